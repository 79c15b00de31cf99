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
import { createCache } from '/pkg/index.js';
import { QueryClient } from '/node_modules/@tanstack/query-core/build/modern/index.js';

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

// --- rows ---------------------------------------------------------------------------------------

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

/** One timed run of `n` iterations: elapsed ms and misses. */
async function timeRun(loop, n) {
  const t0 = performance.now();
  const result = await loop(n);
  const ms = performance.now() - t0;
  sink[0] = result.last; // keeps every result observable
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
async function calibrate(loop, minMs) {
  let n = 1;
  for (;;) {
    const { ms } = await timeRun(loop, n);
    if (ms >= minMs) break;
    const grow = ms < 1 ? 10 : Math.min(10, Math.max(2, (minMs * AIM) / ms));
    n = Math.ceil(n * grow);
    if (n > 1e9) throw new Error('calibration: the operation takes no measurable time');
  }
  const warm = [(await timeRun(loop, n)).ms, (await timeRun(loop, n)).ms];
  return Math.max(1, Math.ceil((n * minMs * AIM) / Math.min(...warm)));
}

/** Times one row; returns the per-side medians and the raw runs. */
async function measureRow(row, { runs, minMs }) {
  const sides = [];
  if (row.freshet) sides.push({ side: 'freshet', loop: makeLoop(row.freshet, row.async) });
  sides.push({ side: 'baseline', loop: makeLoop(row.baseline, row.async) });
  for (const s of sides) {
    s.n = await calibrate(s.loop, minMs);
    s.nsPerOp = [];
    s.ms = [];
    s.miss = 0;
  }
  // One untimed round in the measured order first, so that the first timed run of a side does
  // not pay for the other side's calibration (its garbage, its deoptimizations).
  for (const s of sides) await timeRun(s.loop, s.n);
  for (let r = 0; r < runs; r++) {
    for (const s of sides) {
      const { ms, miss } = await timeRun(s.loop, s.n);
      s.ms.push(ms);
      s.nsPerOp.push((ms * 1e6) / s.n);
      s.miss += miss;
      // Got faster than calibrated (less load, later JIT tier): lengthen the next runs.
      if (ms < minMs) s.n = Math.ceil((s.n * minMs * AIM) / Math.max(ms, 0.1));
    }
  }
  const out = {};
  for (const s of sides) {
    if (s.miss > 0) throw new Error(`${row.name}: ${s.side} returned nothing ${s.miss} times (expected hits)`);
    out[s.side] = {
      median_ns: median(s.nsPerOp),
      min_ns: Math.min(...s.nsPerOp),
      max_ns: Math.max(...s.nsPerOp),
      iterations: s.n,
      shortest_run_ms: Math.min(...s.ms),
      runs_ns: s.nsPerOp,
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
  return { results, notes, userAgent: navigator.userAgent, timerResolutionMs: timerResolution() };
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
