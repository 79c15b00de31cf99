// The freshet benchmark, in the browser (SPEC §10): each row times one freshet operation against
// its baseline in the same page and the same run. `bench/run.mjs` drives it in headless Chromium;
// opening /bench/bench.html from the demo server (`npm run demo`) runs it by hand.
//
// Method: for each side of a row, an iteration count is calibrated so that one run takes at least
// `minMs` (50 ms), then `runs` (15; at least 7) timed runs alternate freshet, baseline, freshet, baseline…
// so that drift (GC, thermal, the other core) hits both; the figure is the median ns/op. Each
// side runs in its own generated loop (a monomorphic call site) and every result goes into a
// sink, so nothing can be optimized away. A `null`/`undefined` result counts as a miss, and a
// "hit" row with misses is an error: it would be timing something else.
//
// Adding a row: append to ROWS
//   { name, target, baselineName, async, setup(), freshet(i), baseline(i), teardown() }
// `target` is the SPEC §10 ratio (freshet / baseline), or null for an info row; `freshet` may be
// null for an info row that only times the baseline. `i` counts 0, 1, 2… within a run. `setup`
// (optional, may be async) runs once before the row is timed; `teardown` (optional) after it.
// `async` may be `{ freshet, baseline }` to await only one side.
// Operations that need untimed preparation have three optional tools:
//   minus: { freshet(i), baseline(i) }  a second loop of just the preparation, timed in the same
//       rounds right after the side's own loop; the side's figure is the median over runs of
//       (timed run − its preparation run) per op (both figures are kept in the raw results).
//   beforeRun(side, n) / afterRun(side)  untimed, around every run of a side ('freshet' or
//       'baseline'), calibration runs included; may be async.
//   iterations: a fixed count per run instead of calibration (for operations whose every
//       iteration needs a fresh instance built by beforeRun).
// The page imports freshet from /pkg/index.js, or with ?pkg=out (BENCH_PKG=out) from the
// snapshot in /bench/out/pkg/index.js.
export const PKG_URL = new URL(import.meta.url).searchParams.get('pkg') === 'out' ? '/bench/out/pkg/index.js' : '/pkg/index.js';
const { createCache } = await import(PKG_URL);
import { QueryClient, QueryObserver, dehydrate, notifyManager, timeoutManager } from '/node_modules/@tanstack/query-core/build/modern/index.js';
import { persistQueryClientSave } from '/node_modules/@tanstack/query-persist-client-core/build/modern/index.js';
import { createSyncStoragePersister } from '/node_modules/@tanstack/query-sync-storage-persister/build/modern/index.js';

// --- fixtures shared by rows --------------------------------------------------------------------

export const ENTRIES = 10_000;
const SCENES = '/studio/api/scenes/';
const LS_KEY = 'freshet-bench:2k';

let shared;

/**
 * The freshet cache, a JS Map and a TanStack QueryClient, each holding the same 10,000 values
 * (freshet by `set`, TanStack by `setQueryData`: no network). Built once, on first use.
 */
export async function fixtures() {
  if (shared) return shared;
  const values = Array.from({ length: ENTRIES }, (_, id) => ({ id, title: 'Scene ' + id, text: 'x'.repeat(100) }));
  const cache = await createCache({
    maxEntries: 20000,
    pageTypes: { browse: { staleTime: 3600000, maxAge: 7200000 } },
  });
  const map = new Map();
  const queryClient = new QueryClient();
  let queryFnCalls = 0;
  const queryFn = () => {
    queryFnCalls += 1;
    return values[0];
  };
  for (let id = 0; id < ENTRIES; id++) {
    cache.set(SCENES + id, values[id]);
    map.set(SCENES + id, values[id]);
    queryClient.setQueryData(['scene', id], values[id]);
  }

  // Preconditions: every row below times hits on fresh entries, never the network.
  const sample = [0, 1, ENTRIES >> 1, ENTRIES - 1];
  for (const id of sample) {
    const info = cache.inspect(SCENES + id);
    if (!info || info.state !== 'fresh') {
      throw new Error(`fixture: freshet entry ${SCENES + id} is ${info ? info.state : 'absent'}, expected fresh`);
    }
    if (cache.peek(SCENES + id) === undefined) throw new Error(`fixture: peek(${SCENES + id}) missed`);
    if (queryClient.getQueryData(['scene', id]) !== values[id]) throw new Error(`fixture: TanStack query ${id} missing`);
  }
  const keyCount = cache.keys().length;
  if (keyCount !== ENTRIES) throw new Error(`fixture: freshet holds ${keyCount} entries, expected ${ENTRIES}`);
  const notes = [];
  if (cache.peek(SCENES + 0) !== values[0]) notes.push('freshet peek does not return the object passed to set');

  shared = { values, cache, map, queryClient, queryFn, notes, queryFnCalls: () => queryFnCalls };
  return shared;
}

/** A JSON text of exactly `bytes` characters (ASCII), shaped like an API record. */
export function jsonOfSize(bytes) {
  const record = {
    id: 's1c1x1',
    title: 'The lighthouse at dawn',
    chapter: { id: 'c1', title: 'Arrival', story: 42 },
    tags: ['scene:s1c1x1', 'chapter:c1', 'story:42'],
    updatedAt: '2025-11-02T12:34:56.789Z',
    words: 1234,
    blocks: [],
    text: '',
  };
  for (let b = 0; JSON.stringify(record).length < bytes - 200; b++) {
    record.blocks.push({ kind: b % 3 ? 'paragraph' : 'dialogue', at: b, text: 'Waves broke on the rocks below.' });
  }
  record.text = 'x'.repeat(Math.max(0, bytes - JSON.stringify(record).length));
  const text = JSON.stringify(record);
  if (text.length !== bytes) throw new Error(`jsonOfSize: made ${text.length} bytes, not ${bytes}`);
  return text;
}

const JSON_2K = jsonOfSize(2048);


// --- fixtures of the invalidation and storage rows ----------------------------------------------

const GROUPS = 100; // 10,000 entries, 100 per group tag
const PT_INSTANCES = 8; // caches / clients of the page-type row (one invalidation each per run)
const PERSISTED = 1000; // entries of the storage rows
const NS = 'fbench'; // namespace of the storage rows' caches (the fixture cache uses the default)
const RAW_PREFIX = 'fbench-raw:';
const RAW_SLOTS = 100; // localStorage keys of the raw-write baseline (the origin's quota is ≈ 5M chars)
const ITEMS = '/bench/items/';
const smallValue = (id) => ({ id, title: 'Scene ' + id, text: 'x'.repeat(100) });

/** Removes the storage rows' localStorage keys (freshet's under NS, the raw ones, TanStack's). */
function clearBenchStorage() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(NS + ':') || key.startsWith(RAW_PREFIX) || key === 'REACT_QUERY_OFFLINE_CACHE') localStorage.removeItem(key);
  }
}

function expectState(cache, url, want, what) {
  const info = cache.inspect(url);
  const state = info ? info.state : 'absent';
  if (!(Array.isArray(want) ? want : [want]).includes(state)) throw new Error(`${what}: ${url} is ${state}, expected ${want}`);
}

let gx;
async function groupFixtures() {
  const cache = await createCache({ storage: false, maxEntries: 20000, pageTypes: { browse: { staleTime: 3600000, maxAge: 7200000 } } });
  const client = new QueryClient();
  const tags = Array.from({ length: GROUPS }, (_, g) => 'group:' + g);
  const members = Array.from({ length: GROUPS }, () => []); // [url, value, tagOptions, queryKey]
  for (let id = 0; id < ENTRIES; id++) {
    const g = id % GROUPS;
    const value = smallValue(id);
    const m = [SCENES + id, value, { tags: [tags[g]] }, ['group', g, id]];
    members[g].push(m);
    cache.set(m[0], value, m[2]);
    client.setQueryData(m[3], value);
  }
  const resetFreshet = (g) => {
    const ms = members[g];
    for (let k = 0; k < ms.length; k++) cache.set(ms[k][0], ms[k][1], ms[k][2]);
    return true;
  };
  const resetTanstack = (g) => {
    const ms = members[g];
    for (let k = 0; k < ms.length; k++) client.setQueryData(ms[k][3], ms[k][1]);
    return true;
  };
  gx = { cache, client, tags, resetFreshet, resetTanstack };
  // Preconditions: 100 per group, invalidation reaches exactly them, a re-set revalidates.
  if (cache.keys().length !== ENTRIES) throw new Error(`group fixture: ${cache.keys().length} entries`);
  cache.invalidateTags([tags[7]]);
  expectState(cache, SCENES + 7, 'invalidated', 'group fixture');
  expectState(cache, SCENES + 8, 'fresh', 'group fixture');
  resetFreshet(7);
  expectState(cache, SCENES + 7, 'fresh', 'group fixture (re-set)');
  const q = () => client.getQueryCache().findAll({ queryKey: ['group', 7] });
  if (q().length !== ENTRIES / GROUPS) throw new Error(`group fixture: ${q().length} TanStack queries match`);
  client.invalidateQueries({ queryKey: ['group', 7] });
  if (!q().every((x) => x.state.isInvalidated)) throw new Error('group fixture: TanStack did not invalidate');
  resetTanstack(7);
  if (q().some((x) => x.state.isInvalidated)) throw new Error('group fixture: TanStack re-set did not revalidate');
}
function dropGroupFixtures() {
  gx.cache.destroy();
  gx.client.clear();
  gx = undefined;
}

let ptx;
async function pageTypeFixtures() {
  const values = Array.from({ length: ENTRIES }, (_, id) => smallValue(id));
  const keys = values.map((_, id) => SCENES + id);
  const readingOpt = { pageType: 'reading' };
  const caches = [];
  const clients = [];
  for (let k = 0; k < PT_INSTANCES; k++) {
    caches.push(await createCache({ storage: false, namespace: `pt${k}`, maxEntries: 20000, pageTypes: { reading: { staleTime: 3600000, maxAge: 7200000 } } }));
    clients.push(new QueryClient());
  }
  const reset = (side) => {
    if (side === 'freshet') {
      for (const c of caches) for (let id = 0; id < ENTRIES; id++) c.set(keys[id], values[id], readingOpt);
    } else {
      for (const c of clients) for (let id = 0; id < ENTRIES; id++) c.setQueryData(['scene', id], values[id]);
    }
  };
  reset('freshet');
  reset('baseline');
  ptx = { caches, clients, reset };
  expectState(caches[0], keys[5], 'fresh', 'page-type fixture');
  if (caches[0].inspect(keys[5]).pageType !== 'reading') throw new Error('page-type fixture: not a reading entry');
  caches[0].invalidatePageTypes(['reading']);
  expectState(caches[0], keys[5], 'invalidated', 'page-type fixture');
  expectState(caches[0], keys[ENTRIES - 1], 'invalidated', 'page-type fixture');
  clients[0].invalidateQueries();
  if (!clients[0].getQueryCache().getAll().every((x) => x.state.isInvalidated)) throw new Error('page-type fixture: TanStack did not invalidate all');
  reset('freshet');
  reset('baseline');
  expectState(caches[0], keys[5], 'fresh', 'page-type fixture (re-set)');
}
function dropPageTypeFixtures() {
  ptx.caches.forEach((c) => c.destroy());
  ptx.clients.forEach((c) => c.clear());
  ptx = undefined;
}

/**
 * A 2 KB JSON body of item `id`, version `v`, shaped like JSON_2K (an API record: its parse costs
 * what SPEC §10's "JSON.parse of 2 KB" does); the version changes the body, not its size.
 */
const ITEM = JSON.parse(JSON_2K);
function itemBody(id, v) {
  const record = { ...ITEM, id, v: v % 10, text: '' };
  record.text = 'x'.repeat(2048 - JSON.stringify(record).length);
  return JSON.stringify(record);
}

/** The same size as one JSON string (parsing it is little more than a copy). */
function stringBody(id, v) {
  const head = JSON.stringify({ id, v: v % 10, text: '' });
  return head.slice(0, -2) + 'x'.repeat(2048 - head.length) + '"}';
}

/** Cache options of the storage rows: a stub fetch serving `body` with the current version. */
function storageOptions(storage, version, body = itemBody) {
  return {
    namespace: NS,
    storage,
    storageBudget: 8 << 20,
    maxEntries: 20000,
    crossTab: false,
    revalidateOnFocus: false,
    origin: location.origin,
    pageTypes: { browse: { staleTime: 3600000, maxAge: 7200000 } },
    fetch: async (url) => {
      const id = Number(url.slice(url.lastIndexOf('/') + 1));
      const v = version();
      return new Response(body(id, v), { headers: { 'content-type': 'application/json', etag: `"${id}-${v}"` } });
    },
  };
}

let px;
let syncZeroTimers = false;
let timeoutProviderSet = false;
/** TanStack's timers, except that a 0 ms timer runs inline while syncZeroTimers is set. */
function useInlineZeroTimers() {
  if (timeoutProviderSet) return;
  timeoutProviderSet = true;
  timeoutManager.setTimeoutProvider({
    setTimeout: (cb, ms) => {
      if (syncZeroTimers && !ms) {
        cb();
        return null; // the throttle stores this as its pending timer: null = none pending
      }
      return setTimeout(cb, ms);
    },
    clearTimeout: (id) => clearTimeout(id),
    setInterval: (cb, ms) => setInterval(cb, ms),
    clearInterval: (id) => clearInterval(id),
  });
}

async function persistFixtures() {
  if (px) return; // shared by the two persist rows
  clearBenchStorage();
  let version = 0;
  const keys = Array.from({ length: PERSISTED }, (_, id) => ITEMS + id);
  const stored = await createCache(storageOptions(true, () => version));
  const memoryOnly = await createCache(storageOptions(false, () => version));
  const rawFetch = storageOptions(false, () => version).fetch;
  const rawSlots = Array.from({ length: RAW_SLOTS }, (_, n) => RAW_PREFIX + 'item:' + n);
  rawSlots.forEach((k, n) => localStorage.setItem(k, itemBody(n, 0)));
  for (const k of keys) {
    await stored.get(k);
    await memoryOnly.get(k);
  }
  stored.flush();
  const info = stored.storageInfo();
  if (!info.persistent || info.entries !== PERSISTED) throw new Error(`persist fixture: storage ${JSON.stringify(info)}`);
  // A changed refetch must reach localStorage by the end of refetchAndFlush.
  const recordKey = Object.keys(localStorage).find((k) => k.startsWith(NS + ':') && k.endsWith(':e:' + keys[3]));
  if (!recordKey) throw new Error('persist fixture: no record of ' + keys[3] + ' in localStorage');
  const before = localStorage.getItem(recordKey);
  version++;
  await stored.get(keys[3], { force: true });
  stored.flush();
  if (localStorage.getItem(recordKey) === before) throw new Error('persist fixture: the changed entry was not rewritten');

  const client = new QueryClient();
  const values = [JSON.parse(itemBody(1, 1)), JSON.parse(itemBody(1, 2))];
  keys.forEach((k, id) => client.setQueryData(['item', id], JSON.parse(itemBody(id, 0))));
  useInlineZeroTimers();
  const persister = createSyncStoragePersister({ storage: localStorage, throttleTime: 0 });
  const tanstackPersist = async (i) => {
    client.setQueryData(['item', i % PERSISTED], values[i & 1]);
    syncZeroTimers = true;
    try {
      await persistQueryClientSave({ queryClient: client, persister });
    } finally {
      syncZeroTimers = false;
    }
    return true;
  };
  // Every call must write synchronously (the throttle must not stay armed).
  for (let k = 0; k < 3; k++) {
    localStorage.removeItem('REACT_QUERY_OFFLINE_CACHE');
    await tanstackPersist(k);
    const persisted = localStorage.getItem('REACT_QUERY_OFFLINE_CACHE');
    if (!persisted || JSON.parse(persisted).clientState.queries.length !== PERSISTED) throw new Error(`persist fixture: TanStack persist ${k} wrote nothing or not 1k queries`);
  }
  px = {
    keys, values, client, stored, memoryOnly,
    refetchAndFlush: async (i) => {
      version++;
      await stored.get(keys[i % PERSISTED], { force: true });
      stored.flush();
      return true;
    },
    refetchMemoryOnly: async (i) => {
      version++;
      await memoryOnly.get(keys[i % PERSISTED], { force: true });
      return true;
    },
    tanstackPersist,
    // The hand-rolled persisted-SWR layer freshet replaces, on the same refetch: the same stub
    // fetch, `JSON.parse` of the body, then `setItem(key, JSON.stringify(value))` of that one
    // entry (RAW_SLOTS keys in turn, each already holding a 2 KB value: a write replaces one).
    rawRefetch: async (i) => {
      version++;
      const response = await rawFetch(keys[i % PERSISTED]);
      return JSON.parse(await response.text());
    },
    rawRefetchAndPersist: async (i) => {
      const value = await px.rawRefetch(i);
      localStorage.setItem(rawSlots[i % RAW_SLOTS], JSON.stringify(value));
      return true;
    },
  };
  if (dehydrate(client).queries.length !== PERSISTED) throw new Error('persist fixture: dehydrate');
}
function dropPersistFixtures() {
  // Kept for the second persist row; dropped by the next row that needs the storage.
}
function releasePersistFixtures() {
  if (!px) return;
  px.stored.destroy();
  px.memoryOnly.destroy();
  px.client.clear();
  px = undefined;
  clearBenchStorage();
}

let ox;
async function openFixtures(body = itemBody) {
  if (ox?.body === body) return; // shared by the open and first-read rows
  ox = undefined;
  releasePersistFixtures();
  clearBenchStorage();
  const keys = Array.from({ length: PERSISTED }, (_, id) => ITEMS + id);
  const options = storageOptions(true, () => 0, body);
  const writer = await createCache(options);
  for (const k of keys) await writer.get(k);
  writer.flush();
  const info = writer.storageInfo();
  writer.destroy();
  if (!info.persistent || info.entries !== PERSISTED) throw new Error(`open fixture: storage ${JSON.stringify(info)}`);
  const rawKeys = keys.map((_, id) => RAW_PREFIX + id);
  rawKeys.forEach((k, id) => localStorage.setItem(k, body(id, 0)));
  // Served from storage, never from the network (the stub counts its calls).
  let fetched = 0;
  const probeOptions = { ...options, fetch: (...args) => { fetched++; return options.fetch(...args); } };
  const probe = await createCache(probeOptions);
  const value = probe.peek(keys[5]);
  if (!value || value.id !== 5) throw new Error('open fixture: peek of a persisted entry missed');
  if (probe.inspect(keys[5]).cause !== 'restored') throw new Error('open fixture: entry not restored');
  probe.destroy();
  if (fetched) throw new Error('open fixture: a persisted entry was fetched');
  const opened = [];
  ox = {
    body, keys, rawKeys, options, opened,
    async openFor(side, n) {
      if (side !== 'freshet') return;
      for (let k = 0; k < Math.ceil(n / PERSISTED); k++) opened.push(await createCache(options));
    },
    destroyOpened(side) {
      if (side !== 'freshet') return;
      for (const c of opened) {
        c.destroy();
        c.free();
      }
      opened.length = 0;
    },
  };
}
function dropOpenFixtures() {}

// --- rows ---------------------------------------------------------------------------------------

/** The first-read row over persisted records whose bodies `body` makes. */
function firstReadRow(name, target, baselineName, body) {
  return {
    name, target, baselineName,
    async: false,
    setup: () => openFixtures(body),
    teardown: dropOpenFixtures,
    beforeRun: (side, n) => ox.openFor(side, n),
    afterRun: (side) => ox.destroyOpened(side),
    freshet: (i) => ox.opened[(i / PERSISTED) | 0].peek(ox.keys[i % PERSISTED]),
    baseline: (i) => JSON.parse(localStorage.getItem(ox.rawKeys[i % PERSISTED])),
  };
}

let fx; // set by the rows' setup
const useFixtures = async () => {
  fx = await fixtures();
};

export const ROWS = [
  {
    name: 'peek hit (10k entries)',
    target: 2.0,
    baselineName: 'Map.get',
    async: false,
    setup: useFixtures,
    freshet: (i) => fx.cache.peek('/studio/api/scenes/' + (i % 10000)),
    baseline: (i) => fx.map.get('/studio/api/scenes/' + (i % 10000)),
  },
  {
    name: 'await get hit (10k entries, fresh)',
    target: 0.5,
    baselineName: 'TanStack fetchQuery',
    async: true,
    setup: useFixtures,
    freshet: (i) => fx.cache.get('/studio/api/scenes/' + (i % 10000)),
    baseline: (i) => fx.queryClient.fetchQuery({ queryKey: ['scene', i % 10000], queryFn: fx.queryFn, staleTime: Infinity }),
  },
  {
    // An optimistic update applied and its subscriber notified, the whole mutation awaited.
    // freshet: `await cache.mutate(key, { optimisticData })` (no request): a local update, the
    // function applied to the confirmed value, which it replaces; the subscriber called once.
    // (`bump` lengthens the title on every call on both sides, so values grow during a run.)
    // TanStack: `setQueryData(key, value)` with one QueryObserver subscribed, notifications
    // scheduled as microtasks (instead of its default setTimeout) and flushed by the await.
    // One subscriber on each of 100 keys on both sides.
    name: 'optimistic mutate applied, subscribers notified',
    target: 1.0,
    baselineName: 'TanStack setQueryData (+ observer notified)',
    async: true,
    setup: async () => {
      await useFixtures();
      notifyManager.setScheduler((cb) => queueMicrotask(cb));
      fx.mutateSeen = 0;
      fx.unsubscribe = [];
      for (let k = 0; k < 100; k++) {
        fx.unsubscribe.push(fx.cache.subscribe('/studio/api/scenes/' + k, () => { fx.mutateSeen++; }));
        const observer = new QueryObserver(fx.queryClient, { queryKey: ['scene', k], queryFn: fx.queryFn, staleTime: Infinity });
        fx.unsubscribe.push(observer.subscribe(() => { fx.mutateSeen++; }));
      }
      fx.bump = (v) => ({ ...v, title: v.title + '!' });
    },
    teardown: () => {
      for (const stop of fx.unsubscribe) stop();
      notifyManager.setScheduler((cb) => setTimeout(cb, 0));
    },
    freshet: (i) => fx.cache.mutate('/studio/api/scenes/' + (i % 100), { optimisticData: fx.bump, revalidate: false }).then(() => fx.mutateSeen),
    baseline: async (i) => {
      fx.queryClient.setQueryData(['scene', i % 100], fx.bump);
      await Promise.resolve();
      return fx.mutateSeen;
    },
  },
  {
    // Info: TanStack's synchronous read, next to freshet's (peek).
    name: 'info: getQueryData hit (10k queries)',
    target: null,
    baselineName: 'TanStack getQueryData',
    async: false,
    setup: useFixtures,
    freshet: (i) => fx.cache.peek('/studio/api/scenes/' + (i % 10000)),
    baseline: (i) => fx.queryClient.getQueryData(['scene', i % 10000]),
  },
  {
    name: 'info: localStorage.getItem (2 KB)',
    target: null,
    baselineName: 'localStorage.getItem',
    async: false,
    setup: () => localStorage.setItem(LS_KEY, JSON_2K),
    teardown: () => localStorage.removeItem(LS_KEY),
    freshet: null,
    baseline: () => localStorage.getItem(LS_KEY),
  },
  {
    name: 'info: JSON.parse (2 KB)',
    target: null,
    baselineName: 'JSON.parse',
    async: false,
    freshet: null,
    baseline: () => JSON.parse(JSON_2K),
  },
  {
    // freshet: `invalidateTags(['group:K'])` on a memory-only cache of 10,000 entries, each
    // carrying one of 100 group tags, so 100 match. TanStack: `invalidateQueries({ queryKey:
    // ['group', K] })` on a client of 10,000 queries keyed ['group', K, id], 100 per K (not
    // awaited: no query is observed, so nothing refetches). Every invalidation must find its
    // 100 entries valid, so a run is exactly 100 iterations, K = i (each group once), and
    // `beforeRun` (untimed) re-sets all 10,000 entries / queries first. (Re-setting inside
    // the timed loop and subtracting it does not work: freshet's 100 `set`s cost ~0.6 ms,
    // ~20× the invalidation, and the difference drowns in their noise.)
    name: 'invalidate one tag, 100 of 10k match',
    target: 0.05,
    baselineName: 'TanStack invalidateQueries (key prefix)',
    async: false,
    iterations: GROUPS,
    setup: groupFixtures,
    teardown: dropGroupFixtures,
    beforeRun: (side) => {
      for (let g = 0; g < GROUPS; g++) (side === 'freshet' ? gx.resetFreshet : gx.resetTanstack)(g);
    },
    freshet: (i) => {
      gx.cache.invalidateTags([gx.tags[i]]);
      return true;
    },
    baseline: (i) => {
      gx.client.invalidateQueries({ queryKey: ['group', i] });
      return true;
    },
  },
  {
    // freshet: `invalidatePageTypes(['reading'])` on a memory-only cache of 10,000 `reading`
    // entries; TanStack: `invalidateQueries()` (no filter) on a client of 10,000 queries, not
    // awaited (nothing observed, nothing refetches). Every iteration needs entries that are not
    // invalidated yet, so each run times exactly PT_INSTANCES invalidations, one per instance,
    // and `beforeRun` (untimed) re-sets all 10,000 entries / queries of every instance.
    name: 'invalidate one page type (10k)',
    target: 0.5,
    baselineName: 'TanStack invalidateQueries() of all',
    async: false,
    iterations: PT_INSTANCES,
    setup: pageTypeFixtures,
    teardown: dropPageTypeFixtures,
    beforeRun: (side) => ptx.reset(side),
    freshet: (i) => {
      ptx.caches[i].invalidatePageTypes(['reading']);
      return true;
    },
    baseline: (i) => {
      ptx.clients[i].invalidateQueries();
      return true;
    },
  },
  {
    // freshet: one refetch of a 2 KB entry whose body changed (`get(url, { force: true })`
    // with a stub fetch) in a 1k-entry cache with storage on, then `flush()` so the
    // localStorage write lands inside the timed section; minus the same refetch in a
    // memory-only cache (the `minus` loop). The difference is what the storage tier adds
    // to a changed entry: encoding its record, `setItem`, journal bookkeeping. (The flush
    // alone would understate it: the tier may write at the end of the `await`.) TanStack:
    // `setQueryData` of one changed query (≈ µs) + `persistQueryClientSave` with
    // `createSyncStoragePersister({ storage: localStorage, throttleTime: 0 })`: dehydrate the
    // 1k-query client, `JSON.stringify`, `setItem`. The persister's 0 ms throttle timer runs
    // inline (timeoutManager provider), so the timed figure is the work, not timer latency.
    // Each TanStack write starts a task of its own, minus that task hop (see the next row: a
    // write per turn of the event loop is what an app does, and what freshet's side pays).
    name: 'persist one changed 2 KB entry (1k-entry cache)',
    settle: true, // both sides write localStorage: each pays its own deferred work
    target: 0.01,
    baselineName: 'TanStack persister write (1k queries)',
    async: { freshet: true, baseline: true },
    setup: persistFixtures,
    teardown: dropPersistFixtures,
    freshet: (i) => px.refetchAndFlush(i),
    baseline: async (i) => {
      await nextTask();
      return px.tanstackPersist(i);
    },
    minus: { freshet: (i) => px.refetchMemoryOnly(i), baseline: async () => (await nextTask(), true) },
  },
  {
    // freshet: as in the row above (refetch + flush with storage on, minus the refetch with
    // storage off). Baseline: the same refetch done the hand-rolled way (the same stub fetch,
    // `JSON.parse(await response.text())`) and `localStorage.setItem(key, JSON.stringify(value))`
    // of that one entry, minus the refetch alone. Both sides thus write once per turn of the
    // event loop, as an app does: Chromium sends each `setItem` to the browser process at the end
    // of the task that made it, so writes made in one task coalesce (≈ 5 µs each) while a write
    // per task costs ≈ 40 µs more. A baseline looping `setItem` within one task would be timing
    // that coalescing; it stays as the info row below.
    name: 'persist one changed 2 KB entry, vs raw write',
    settle: true, // both sides write localStorage: each pays its own deferred work
    target: 3.0,
    baselineName: 'refetch + JSON.stringify + setItem (2 KB)',
    async: { freshet: true, baseline: true },
    setup: persistFixtures,
    teardown: dropPersistFixtures,
    freshet: (i) => px.refetchAndFlush(i),
    baseline: (i) => px.rawRefetchAndPersist(i),
    minus: { freshet: (i) => px.refetchMemoryOnly(i), baseline: (i) => px.rawRefetch(i) },
  },
  {
    // Info: the raw write looped within one task (two 2 KB versions alternating on one key), where
    // Chromium coalesces the writes' cross-process work; freshet's side is the row above's.
    name: 'info: raw writes in one task (coalesced)',
    settle: true,
    target: null,
    baselineName: 'JSON.stringify + setItem (2 KB), one task',
    async: { freshet: true, baseline: false },
    setup: persistFixtures,
    teardown: dropPersistFixtures,
    freshet: (i) => px.refetchAndFlush(i),
    baseline: (i) => {
      localStorage.setItem(RAW_PREFIX + 'one', JSON.stringify(px.values[i & 1]));
      return true;
    },
    minus: { freshet: (i) => px.refetchMemoryOnly(i) },
  },
  {
    // freshet: `await createCache({ storage: true, … })` over a localStorage holding 1k
    // persisted 2 KB entries (written by an earlier cache with the same options), then the
    // first `peek` of one of them (ready to serve). The caches opened in a run are
    // destroyed after it (untimed). Baseline: `JSON.parse(localStorage.getItem(k))` of all
    // 1k raw records (the same 2 KB bodies).
    name: 'open a cache of 1k persisted entries (ready to serve)',
    target: 0.2,
    baselineName: 'getItem + JSON.parse of all 1k',
    async: { freshet: true, baseline: false },
    setup: () => openFixtures(),
    teardown: dropOpenFixtures,
    afterRun: (side) => ox.destroyOpened(side),
    freshet: async (i) => {
      const cache = await createCache(ox.options);
      ox.opened.push(cache);
      return cache.peek(ox.keys[i % PERSISTED]);
    },
    baseline: () => {
      let last;
      for (let k = 0; k < PERSISTED; k++) last = JSON.parse(localStorage.getItem(ox.rawKeys[k]));
      return last;
    },
  },
  // freshet: the first `peek` of a persisted 2 KB entry in a cache just opened over 1k
  // persisted entries (decoded on first read): `beforeRun` (untimed) opens one cache per 1,000
  // iterations, and iteration i peeks key i % 1000 of cache ⌊i / 1000⌋, so every timed peek is
  // that entry's first. Baseline: `JSON.parse(localStorage.getItem(k))` of one raw record (the
  // same 2 KB body), k cycling over the 1k.
  firstReadRow('first read of a persisted entry', 1.5, 'getItem + JSON.parse (2 KB)', itemBody),
  // Info: the same over bodies that are one 2 KB JSON string, whose parse is little more than a
  // copy: the fixed costs of a first read (the namespaced key, checking the record's head,
  // keeping the value in memory) weigh the most here.
  firstReadRow('info: first read, single-string 2 KB bodies', null, 'getItem + JSON.parse (2 KB string)', stringBody),
  {
    // The cost of metrics on the hottest path: a memoized `peek` hit counts itself in a cell of
    // wasm memory. freshet: the shared fixture cache (metrics on, the default); baseline: the
    // same 10k entries in a cache made with `metrics: false`.
    name: 'peek hit, metrics on vs off',
    target: 1.2,
    baselineName: 'peek hit, metrics: false',
    async: false,
    setup: async () => {
      await useFixtures();
      if (!fx.metricsOff) {
        fx.metricsOff = await createCache({
          metrics: false, storage: false, maxEntries: 20000,
          pageTypes: { browse: { staleTime: 3600000, maxAge: 7200000 } },
        });
        for (let id = 0; id < ENTRIES; id++) fx.metricsOff.set(SCENES + id, fx.values[id]);
      }
    },
    freshet: (i) => fx.cache.peek('/studio/api/scenes/' + (i % 10000)),
    baseline: (i) => fx.metricsOff.peek('/studio/api/scenes/' + (i % 10000)),
  },
];

// --- measurement --------------------------------------------------------------------------------

// Each side gets its own loop function, compiled from source, so that its call to `fn` stays
// monomorphic (a shared loop would see every row's functions and stop inlining them).
function makeLoop(fn, isAsync) {
  const body = isAsync
    ? `return async function loop(n) {
        let miss = 0, last;
        for (let i = 0; i < n; i++) { const r = await fn(i); if (r == null) miss++; else last = r; }
        return { miss, last };
      };`
    : `return function loop(n) {
        let miss = 0, last;
        for (let i = 0; i < n; i++) { const r = fn(i); if (r == null) miss++; else last = r; }
        return { miss, last };
      };`;
  return new Function('fn', body)(fn);
}

// Runs are calibrated to this multiple of minMs: timings on these machines swing by ±30 %.
const AIM = 1.5;

const sink = [];

const tickChannel = new MessageChannel();
/** Resolves on the next task (a message to ourselves: no timer clamping). */
const nextTask = () => new Promise((resolve) => {
  tickChannel.port1.onmessage = () => resolve();
  tickChannel.port2.postMessage(0);
});

/**
 * Lets the main thread run the work the browser deferred from earlier calls (Chromium finishes
 * each `localStorage.setItem` in later tasks): yields a task at a time until two yields in a row
 * come back quickly, or 200 yields have passed.
 */
async function drainDeferredWork() {
  let quick = 0;
  for (let k = 0; k < 200 && quick < 2; k++) {
    const t = performance.now();
    await nextTask();
    quick = performance.now() - t < 0.5 ? quick + 1 : 0;
  }
}

/**
 * One timed run of `n` iterations of side `s`: elapsed ms and misses (hooks untimed). For rows
 * with `settle`, the browser's deferred work is drained before the run (untimed) and after the
 * loop (timed): each side pays for its own writes, never for the other side's.
 */
async function timeRun(s, n, loop = s.loop) {
  await s.beforeRun?.(n);
  if (s.settle) await drainDeferredWork();
  const t0 = performance.now();
  const result = await loop(n);
  if (s.settle) await drainDeferredWork();
  const ms = performance.now() - t0;
  sink[0] = result.last; // keeps every result observable
  await s.afterRun?.();
  return { ms, miss: result.miss };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Finds an iteration count whose run takes ≥ minMs once the code is optimized: grows n until a
 * run is long enough (this also warms the JIT), then rescales from two further warm runs,
 * aiming 50 % above minMs so that the timed runs stay above it despite noise.
 */
async function calibrate(s, minMs) {
  if (s.fixed) {
    for (let k = 0; k < 3; k++) await timeRun(s, s.fixed); // warm-up only
    return s.fixed;
  }
  let n = 1;
  for (;;) {
    const { ms } = await timeRun(s, n);
    if (ms >= minMs) break;
    const grow = ms < 1 ? 10 : Math.min(10, Math.max(2, (minMs * AIM) / ms));
    n = Math.ceil(n * grow);
    if (n > 1e9) throw new Error('calibration: the operation takes no measurable time');
  }
  const warm = [(await timeRun(s, n)).ms, (await timeRun(s, n)).ms];
  return Math.max(1, Math.ceil((n * minMs * AIM) / Math.min(...warm)));
}

/** Times one row; returns the per-side medians and the raw runs. */
async function measureRow(row, { runs, minMs }) {
  const sides = [];
  const isAsync = (side) => (typeof row.async === 'object' && row.async !== null ? !!row.async[side] : !!row.async);
  for (const side of ['freshet', 'baseline']) {
    if (!row[side]) continue;
    const minus = row.minus?.[side];
    sides.push({
      side,
      loop: makeLoop(row[side], isAsync(side)),
      minusLoop: minus ? makeLoop(minus, isAsync(side)) : null,
      beforeRun: row.beforeRun ? (n) => row.beforeRun(side, n) : null,
      afterRun: row.afterRun ? () => row.afterRun(side) : null,
      settle: !!row.settle,
      fixed: row.iterations ?? 0,
    });
  }
  for (const s of sides) {
    s.n = await calibrate(s, minMs);
    if (s.minusLoop) await timeRun(s, s.n, s.minusLoop); // warms the preparation loop
    s.nsPerOp = [];
    s.minusNsPerOp = [];
    s.netNsPerOp = [];
    s.ms = [];
    s.miss = 0;
  }
  // One untimed round in the measured order first, so that the first timed run of a side does
  // not pay for the other side's calibration (its garbage, its deoptimizations).
  for (const s of sides) {
    await timeRun(s, s.n);
    if (s.minusLoop) await timeRun(s, s.n, s.minusLoop);
  }
  for (let r = 0; r < runs; r++) {
    for (const s of sides) {
      const n = s.n;
      const { ms, miss } = await timeRun(s, n);
      s.ms.push(ms);
      s.nsPerOp.push((ms * 1e6) / n);
      s.miss += miss;
      if (s.minusLoop) {
        const m = await timeRun(s, n, s.minusLoop);
        s.minusNsPerOp.push((m.ms * 1e6) / n);
        s.netNsPerOp.push(((ms - m.ms) * 1e6) / n);
        s.miss += m.miss;
      }
      // Got faster than calibrated (less load, later JIT tier): lengthen the next runs.
      if (!s.fixed && ms < minMs) s.n = Math.ceil((s.n * minMs * AIM) / Math.max(ms, 0.1));
    }
  }
  const out = {};
  for (const s of sides) {
    if (s.miss > 0) throw new Error(`${row.name}: ${s.side} returned nothing ${s.miss} times (expected hits)`);
    const figures = s.minusLoop ? s.netNsPerOp : s.nsPerOp;
    out[s.side] = {
      median_ns: median(figures),
      min_ns: Math.min(...figures),
      max_ns: Math.max(...figures),
      iterations: s.n,
      fixed_iterations: !!s.fixed,
      shortest_run_ms: Math.min(...s.ms),
      runs_ns: figures,
      ...(s.minusLoop ? { gross_median_ns: median(s.nsPerOp), subtracted_ns: median(s.minusNsPerOp), gross_runs_ns: s.nsPerOp, subtracted_runs_ns: s.minusNsPerOp } : {}),
    };
  }
  return out;
}

/**
 * Runs the rows (those whose name contains `filter`, if given) and returns one result per row:
 * `{ name, target, baselineName, async, freshet: stats | null, baseline: stats }`, plus notes.
 */
export async function runBench({ runs = 15, minMs = 50, filter = '', log = console.log } = {}) {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${runs}`);
  const rows = ROWS.filter((row) => row.name.includes(filter));
  if (rows.length === 0) throw new Error(`no row matches ${JSON.stringify(filter)}`);
  const results = [];
  for (const row of rows) {
    log(`[bench] ${row.name} …`);
    const t0 = performance.now();
    await row.setup?.();
    let stats;
    try {
      stats = await measureRow(row, { runs, minMs });
    } finally {
      await row.teardown?.();
    }
    results.push({
      name: row.name,
      target: row.target,
      baselineName: row.baselineName,
      async: !!row.async,
      freshet: stats.freshet ?? null,
      baseline: stats.baseline,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  const notes = shared ? [...shared.notes] : [];
  if (shared && shared.queryFnCalls() > 0) notes.push(`TanStack queryFn ran ${shared.queryFnCalls()} times (expected cache hits only)`);
  return { results, notes, pkgUrl: PKG_URL, userAgent: navigator.userAgent, timerResolutionMs: timerResolution() };
}

/** The smallest step performance.now() shows (coarsened in pages that are not cross-origin isolated). */
function timerResolution() {
  let best = Infinity;
  for (let k = 0; k < 20; k++) {
    const a = performance.now();
    let b = a;
    while (b === a) b = performance.now();
    best = Math.min(best, b - a);
  }
  return best;
}
