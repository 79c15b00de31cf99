// The localStorage tier in headless Chromium against the demo server: reloads served from
// storage with no request, scopes, versions, conditional revalidation, and the fault table
// (SPEC §7) with real localStorage wherever Chromium can produce the fault.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser, write } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const OTHER = '/studio/api/scenes/s1c1x2';
const READING = [{ pattern: '/studio/api/scenes/:id', pageType: 'reading', tags: ['scene:{id}'] }];

async function resetCounters(base) {
  await fetch(`${base}/__test/requests/reset`, { method: 'POST' });
}

/** Reloads the page (same origin, same localStorage) and imports freshet again. */
async function reload(ctx) {
  await ctx.page.reload();
  await ctx.page.evaluate(async () => {
    window.freshet = await import('/pkg/index.js');
  });
}

/** Reads `url` through a new cache created with `options`; returns what the test checks. */
function readThrough(ctx, url, options = {}) {
  return ctx.page.evaluate(async ({ url, options }) => {
    const cache = await freshet.createCache(options);
    window.cache = cache;
    const value = await cache.get(url);
    const info = cache.inspect(url);
    cache.flush();
    return { title: value.title, cause: info.cause, state: info.state, storage: cache.storageInfo() };
  }, { url, options });
}

function storageKeys(ctx) {
  return ctx.page.evaluate(() => Object.keys(localStorage).sort());
}

describe('storage tier', () => {
  const ctx = useBrowser();

  it('serves a persisted entry after a real reload with zero network requests', async () => {
    const first = await readThrough(ctx, SCENE, { routes: READING });
    assert.equal(first.cause, 'fetched');
    assert.equal(first.storage.persistent, true);
    assert.equal(first.storage.entries, 1);
    await reload(ctx);
    await resetCounters(ctx.url);
    const again = await readThrough(ctx, SCENE, { routes: READING });
    assert.equal(again.title, first.title);
    assert.equal(again.cause, 'restored');
    assert.equal(again.state, 'fresh');
    assert.equal(await requests(ctx.url), 0);
    const peeked = await ctx.page.evaluate(async (url) => {
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'reading' }] });
      return cache.peek(url)?.title;
    }, SCENE);
    assert.equal(peeked, first.title, 'a synchronous peek reads storage too');
    assert.equal(await requests(ctx.url), 0);
  });

  it('flushes by itself at the end of the task: no explicit flush is needed before a reload', async () => {
    await ctx.page.evaluate(async (url) => {
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'reading' }] });
      await cache.get(url);
    }, SCENE);
    await reload(ctx);
    await resetCounters(ctx.url);
    const again = await readThrough(ctx, SCENE, { routes: READING });
    assert.equal(again.cause, 'restored');
    assert.equal(await requests(ctx.url), 0);
  });

  it('writes the index lines a flush left behind on pagehide, and when the page is left', async () => {
    const segments = async () => new Set(await ctx.page.evaluate(() => Object.keys(localStorage)
      .filter((k) => k.startsWith('freshet:1:anon:j:')).map((k) => localStorage.getItem(k))));
    // The server changes the scene and the page refetches it: same page type and tags, so the
    // record is rewritten at once and its index line waits (a flush writes no segment for it).
    const rewrite = async (text) => {
      await write(ctx.url, 'PATCH', SCENE, { text });
      const before = await segments();
      const record = await ctx.page.evaluate(async (url) => {
        await cache.get(url, { force: true });
        cache.flush();
        return localStorage.getItem(`freshet:1:anon:e:${url}`);
      }, SCENE);
      assert.ok(record.includes(text), 'the record is rewritten at once');
      assert.deepEqual(await segments(), before, 'no index line yet');
      return before;
    };
    /** The one segment written since `before`: a small write holding the scene's line. */
    const added = async (before) => {
      const fresh = [...await segments()].filter((segment) => !before.has(segment));
      assert.equal(fresh.length, 1, 'one small segment, not the whole index');
      assert.match(fresh[0], new RegExp(`^\\+${SCENE}\t`, 'm'));
    };
    await ctx.page.evaluate(async ([url, routes]) => {
      window.cache = await freshet.createCache({ routes });
      await cache.get(url);
      cache.flush();
    }, [SCENE, READING]);
    let before = await rewrite('Changed on the server.');
    // What a page put into the back/forward cache gets (and nothing else does on some mobiles).
    await ctx.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
    await added(before);
    before = await rewrite('Changed again.');
    // Really leaving: the page is hidden, then hidden for good.
    await ctx.page.goto(`${ctx.url}/tests/js/blank.html?left`);
    await added(before);
  });

  it('storage: false keeps everything in memory', async () => {
    const result = await readThrough(ctx, SCENE, { storage: false });
    assert.equal(result.storage.persistent, false);
    assert.equal(result.storage.failure, null);
    assert.deepEqual(await storageKeys(ctx), []);
  });

  it('keeps one record per entry plus an index, under namespaced keys', async () => {
    await readThrough(ctx, SCENE, { routes: READING, namespace: 'app', scope: 'u1' });
    await ctx.page.evaluate((url) => cache.get(url), OTHER);
    await ctx.page.evaluate(() => cache.flush());
    const keys = await storageKeys(ctx);
    assert.deepEqual(keys.filter((k) => !k.startsWith('app:1:u1:j:')), [
      'app:1:u1:e:/studio/api/scenes/s1c1x1',
      'app:1:u1:e:/studio/api/scenes/s1c1x2',
      'app:version',
    ]);
    assert.ok(keys.includes('app:1:u1:j:0'), 'index changes go to small journal segments');
    const record = await ctx.page.evaluate(() => localStorage.getItem('app:1:u1:e:/studio/api/scenes/s1c1x1'));
    const body = await (await fetch(`${ctx.url}${SCENE}`)).text();
    assert.ok(record.endsWith(`\n${body}`), 'the body is kept as the server sent it');
  });

  it('shows a second scope none of the first scope\'s data', async () => {
    await readThrough(ctx, SCENE, { routes: READING, scope: 'alice' });
    await reload(ctx);
    await resetCounters(ctx.url);
    const bob = await ctx.page.evaluate(async (url) => {
      const cache = await freshet.createCache({ scope: 'bob' });
      window.cache = cache;
      return { peek: cache.peek(url), info: cache.storageInfo() };
    }, SCENE);
    assert.equal(bob.peek, undefined);
    assert.equal(bob.info.entries, 0);
    assert.equal(bob.info.scope, 'bob');
    await ctx.page.evaluate((url) => cache.get(url), SCENE);
    assert.equal(await requests(ctx.url), 1, 'bob fetched his own copy');
    // Switching back in the same page: memory of bob is dropped, alice's storage is visible.
    const back = await ctx.page.evaluate((url) => {
      cache.setScope('alice');
      const alice = cache.peek(url);
      cache.setScope('carol');
      return { alice: alice?.title ?? null, carol: cache.peek(url) ?? null };
    }, SCENE);
    assert.notEqual(back.alice, null);
    assert.equal(back.carol, null);
    assert.equal(await requests(ctx.url), 1);
  });

  it('discards the records of another version', async () => {
    await readThrough(ctx, SCENE, { routes: READING, version: '1' });
    await ctx.page.evaluate(() => localStorage.setItem('someone-else', 'keep me'));
    await reload(ctx);
    await resetCounters(ctx.url);
    const v2 = await readThrough(ctx, SCENE, { routes: READING, version: '2' });
    assert.equal(v2.cause, 'fetched');
    assert.equal(await requests(ctx.url), 1);
    const keys = await storageKeys(ctx);
    assert.ok(keys.every((k) => !k.startsWith('freshet:1:')), keys.join());
    assert.ok(keys.includes('someone-else'));
  });

  it('serves a stale entry at once and revalidates it with If-None-Match; a 304 refreshes it', async () => {
    const writing = [{ pattern: '/studio/api/scenes/:id', pageType: 'writing' }];
    await readThrough(ctx, SCENE, { routes: writing, dedupingInterval: 0 });
    await reload(ctx);
    await resetCounters(ctx.url);
    const result = await ctx.page.evaluate(async (url) => {
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'writing' }], dedupingInterval: 0 });
      const value = await cache.get(url);
      const before = cache.inspect(url);
      for (let i = 0; i < 100 && cache.inspect(url).cause !== 'revalidated'; i++) await new Promise((r) => setTimeout(r, 10));
      return { same: cache.peek(url) === value, before: before.cause, after: cache.inspect(url).cause, age: cache.inspect(url).age };
    }, SCENE);
    assert.equal(result.before, 'restored');
    assert.equal(result.after, 'revalidated');
    assert.equal(result.same, true, 'a 304 keeps the same object');
    const log = (await (await fetch(`${ctx.url}/__test/requests`)).json()).log;
    assert.equal(log.length, 1);
    assert.equal(log[0].status, 304);
    assert.match(log[0].ifNoneMatch, /^"/);
  });

  it('never serves an entry past its lifetime, and deletes it', async () => {
    await readThrough(ctx, SCENE, { pageTypes: { browse: { maxAge: 150 } } });
    await new Promise((r) => setTimeout(r, 250));
    await reload(ctx);
    await resetCounters(ctx.url);
    const again = await readThrough(ctx, SCENE, { pageTypes: { browse: { maxAge: 150 } } });
    assert.equal(again.cause, 'fetched');
    assert.equal(await requests(ctx.url), 1);
  });

  it('persists only confirmed server data: never set(), never no-store, private only under a scope', async () => {
    const result = await ctx.page.evaluate(async ({ scene, other }) => {
      const rewrite = (control) => async (url, init) => {
        const response = await fetch(url, init);
        const headers = new Headers(response.headers);
        headers.set('Cache-Control', control);
        return new Response(await response.text(), { status: response.status, headers });
      };
      const set = await freshet.createCache({ namespace: 'set' });
      set.set('/local/draft', { text: 'optimistic' });
      set.flush();
      const noStore = await freshet.createCache({ namespace: 'nostore', fetch: rewrite('no-store') });
      await noStore.get(scene);
      noStore.flush();
      const anon = await freshet.createCache({ namespace: 'anon', fetch: rewrite('private, max-age=60') });
      await anon.get(scene);
      anon.flush();
      const user = await freshet.createCache({ namespace: 'user', scope: 'alice', fetch: rewrite('private, max-age=60') });
      await user.get(other);
      user.flush();
      return Object.keys(localStorage).filter((k) => k.includes(':e:')).sort();
    }, { scene: SCENE, other: OTHER });
    assert.deepEqual(result, ['user:1:alice:e:/studio/api/scenes/s1c1x2']);
  });

  it('clear() wipes memory, the scope\'s records and requests in flight, and nothing else', async () => {
    await fault(ctx.url, { route: OTHER, delayMs: 200 });
    const result = await ctx.page.evaluate(async ({ scene, other }) => {
      localStorage.setItem('freshet-unrelated', '1');
      const alice = await freshet.createCache({ scope: 'alice' });
      await alice.get(scene);
      alice.flush();
      const bob = await freshet.createCache({ scope: 'bob' });
      await bob.get(scene);
      bob.flush();
      const late = alice.get(other).catch((e) => e.code);
      alice.clear();
      await late;
      alice.flush();
      return { keys: Object.keys(localStorage).sort(), peek: alice.peek(scene) ?? null, late: alice.keys() };
    }, { scene: SCENE, other: OTHER });
    assert.equal(result.peek, null);
    assert.deepEqual(result.late, []);
    assert.ok(result.keys.every((k) => !k.startsWith('freshet:1:alice:')), result.keys.join());
    assert.ok(result.keys.includes('freshet:1:bob:e:/studio/api/scenes/s1c1x1'));
    assert.ok(result.keys.includes('freshet-unrelated'));
  });
});

describe('storage faults', () => {
  const ctx = useBrowser();

  for (const [name, install] of [
    ['missing', () => Object.defineProperty(window, 'localStorage', { value: undefined, configurable: true })],
    ['null', () => Object.defineProperty(window, 'localStorage', { value: null, configurable: true })],
    ['throwing SecurityError', () => Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() { throw new DOMException('denied', 'SecurityError'); },
    })],
  ]) {
    it(`localStorage ${name}: memory-only, reported once, never thrown`, async () => {
      const result = await ctx.page.evaluate(async ({ scene, source }) => {
        const warnings = [];
        console.warn = (m) => warnings.push(String(m));
        (0, eval)(`(${source})()`);
        const cache = await freshet.createCache();
        const first = await cache.get(scene);
        const second = await cache.get(scene);
        cache.flush();
        const other = await freshet.createCache({ scope: 'x' });
        cache.setScope('y');
        cache.clear();
        return { same: first === second, info: cache.storageInfo(), warnings, otherInfo: other.storageInfo() };
      }, { scene: SCENE, source: install.toString() });
      assert.equal(result.same, true);
      assert.equal(result.info.persistent, false);
      assert.equal(result.warnings.filter((w) => w.includes('memory only')).length, 2, 'once per cache');
      if (name.includes('Security')) assert.match(result.info.failure, /SecurityError/);
      else assert.match(result.info.failure, /no storage/);
    });
  }

  it('quota errors by any browser\'s name or code are caught; the entry stays in memory', async () => {
    for (const error of [
      "new DOMException('full', 'QuotaExceededError')",
      "Object.assign(new Error('full'), { name: 'NS_ERROR_DOM_QUOTA_REACHED' })",
      "Object.assign(new Error('full'), { code: 22 })",
      "Object.assign(new Error('full'), { code: 1014 })",
    ]) {
      const result = await ctx.page.evaluate(async ({ scene, error }) => {
        const original = Storage.prototype.setItem;
        Storage.prototype.setItem = function () { throw (0, eval)(error); };
        try {
          const cache = await freshet.createCache({ namespace: `q${Math.random()}` });
          const value = await cache.get(scene);
          cache.flush();
          return { ok: value.title.length > 0, peek: cache.peek(scene) === value, info: cache.storageInfo() };
        } finally {
          Storage.prototype.setItem = original;
        }
      }, { scene: SCENE, error });
      assert.equal(result.ok, true, error);
      assert.equal(result.peek, true, error);
      assert.equal(result.info.persistent, true, `${error}: a full store is not a broken one`);
      assert.equal(result.info.entries, 0, error);
    }
  });

  it('a really full localStorage: own entries are evicted, other keys untouched, never cleared', async () => {
    const result = await ctx.page.evaluate(async () => {
      // Fill Chromium's real quota with another library's data, then free about 3 KB.
      let n = 0;
      for (const size of [256 * 1024, 16 * 1024, 1024, 64]) {
        const chunk = 'x'.repeat(size);
        try { for (let i = 0; i < 200; i++) localStorage.setItem(`filler:${n++}`, chunk); } catch {}
      }
      const ones = Object.keys(localStorage).filter((k) => localStorage.getItem(k).length === 1024);
      for (const k of ones.slice(0, 3)) localStorage.removeItem(k);
      const fillers = Object.keys(localStorage).filter((k) => k.startsWith('filler')).length;
      const cache = await freshet.createCache();
      const bodies = [];
      for (const id of ['s1c1x1', 's1c1x2', 's1c1x3', 's1c2x1', 's1c2x2', 's1c2x3', 's1c3x1', 's1c3x2']) {
        const value = await cache.get(`/studio/api/scenes/${id}`, { pageType: 'reading' });
        bodies.push(value.title.length > 0);
        cache.flush();
      }
      const story = await cache.get('/studio/api/stories/s1');
      cache.flush();
      const left = Object.keys(localStorage).filter((k) => k.startsWith('filler')).length;
      return { fillers, left, bodies, story: story.title.length > 0, info: cache.storageInfo(), keys: Object.keys(localStorage).filter((k) => k.startsWith('freshet:')) };
    });
    assert.ok(result.fillers > 10);
    assert.equal(result.left, result.fillers, 'no foreign key removed');
    assert.ok(result.bodies.every(Boolean) && result.story);
    assert.equal(result.info.persistent, true);
    assert.ok(result.info.entries >= 1 && result.info.entries < 9, `evicted to fit: ${JSON.stringify(result.info)}`);
  });

  it('keeps the namespace within storageBudget: the oldest records go, other keys stay', async () => {
    // A scene's record is about 390 bytes: 1,000 bytes hold two.
    const scenes = ['s1c1x1', 's1c1x2', 's1c1x3', 's1c2x1', 's1c2x2'].map((id) => `/studio/api/scenes/${id}`);
    const options = { routes: READING, storageBudget: 1_000 };
    const result = await ctx.page.evaluate(async ([scenes, options]) => {
      localStorage.setItem('app:draft', 'not ours');
      const cache = await freshet.createCache(options);
      for (const url of scenes) {
        await cache.get(url);
        cache.flush();
      }
      return {
        info: cache.storageInfo(),
        stored: scenes.filter((url) => localStorage.getItem(`freshet:1:anon:e:${url}`) !== null),
        inMemory: scenes.filter((url) => cache.inspect(url) !== undefined).length,
        other: localStorage.getItem('app:draft'),
      };
    }, [scenes, options]);
    assert.deepEqual(result.stored, scenes.slice(3));
    assert.equal(result.info.entries, 2);
    assert.ok(result.info.bytes <= 1_000, `${result.info.bytes} bytes`);
    assert.equal(result.inMemory, 5, 'evicted from storage only');
    assert.equal(result.other, 'not ours');
    await reload(ctx);
    await resetCounters(ctx.url);
    assert.equal((await readThrough(ctx, scenes[4], options)).cause, 'restored');
    assert.equal(await requests(ctx.url), 0);
    assert.equal((await readThrough(ctx, scenes[0], options)).cause, 'fetched');
    assert.equal(await requests(ctx.url), 1);
  });

  it('a value larger than the budget stays memory-only', async () => {
    const result = await readThrough(ctx, '/studio/api/stories/s1', { entryBudget: 200 });
    assert.equal(result.storage.entries, 0);
    await reload(ctx);
    await resetCounters(ctx.url);
    const again = await readThrough(ctx, '/studio/api/stories/s1', { entryBudget: 200 });
    assert.equal(again.cause, 'fetched');
    assert.equal(await requests(ctx.url), 1);
  });

  for (const [name, damage] of [
    ['corrupt JSON', '(r) => r.slice(0, r.length - 5)'],
    ['foreign-shaped', '() => JSON.stringify({ state: { data: { title: "x" } }, buster: "", timestamp: 1 })'],
    ['wrong version', '(r) => r.replace(/^freshet:1\\n/, "freshet:0\\n")'],
    ['future-dated', '(r) => { const [m, k, meta, ...b] = r.split("\\n"); const f = meta.split("\\t"); const t = String(Date.now() + 86400000); f[1] = t; f[2] = t; f[3] = t; f[4] = String(Date.now() + 2 * 86400000); return [m, k, f.join("\\t"), ...b].join("\\n"); }'],
    ['a record moved from another key', '() => localStorage.getItem("freshet:1:anon:e:/studio/api/scenes/s1c1x2")'],
  ]) {
    it(`a ${name} record is deleted and read as a miss`, async () => {
      await readThrough(ctx, SCENE, { routes: READING });
      await ctx.page.evaluate((url) => cache.get(url), OTHER);
      await ctx.page.evaluate(() => cache.flush());
      const key = `freshet:1:anon:e:${SCENE}`;
      await ctx.page.evaluate(({ key, damage }) => {
        const record = localStorage.getItem(key);
        localStorage.setItem(key, (0, eval)(`(${damage})`)(record));
      }, { key, damage });
      await reload(ctx);
      await resetCounters(ctx.url);
      const again = await readThrough(ctx, SCENE, { routes: READING });
      assert.equal(again.cause, 'fetched');
      assert.equal(await requests(ctx.url), 1);
      const record = await ctx.page.evaluate((key) => localStorage.getItem(key), key);
      assert.ok(record.startsWith('freshet:1\n/studio/api/scenes/s1c1x1\n'), 'replaced by a good record');
    });
  }

  it('storage wiped by the user between reads is a miss, not an error', async () => {
    await readThrough(ctx, SCENE, { routes: READING });
    await ctx.page.evaluate((url) => cache.get(url), OTHER);
    await ctx.page.evaluate(() => cache.flush());
    await reload(ctx);
    await resetCounters(ctx.url);
    const result = await ctx.page.evaluate(async ({ scene, other }) => {
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'reading' }] });
      const first = await cache.get(scene);
      localStorage.clear();
      const second = await cache.get(other);
      cache.flush();
      return { first: cache.inspect(scene).cause, second: cache.inspect(other).cause, ok: first.title && second.title, info: cache.storageInfo() };
    }, { scene: SCENE, other: OTHER });
    assert.equal(result.first, 'restored');
    assert.equal(result.second, 'fetched');
    assert.equal(await requests(ctx.url), 1);
    assert.equal(result.info.persistent, true);
  });
});

describe('storage and invalidation headers', () => {
  const ctx = useBrowser();

  it('a record named by a write\'s invalidation headers is not restored after a reload', async () => {
    await ctx.page.evaluate(async ([scene, routes]) => {
      const cache = await freshet.createCache({ routes });
      await cache.get(scene);
      await cache.get('/community/api/posts/p2');
      cache.flush();
      // A save through the cache's fetch: the server names scene:s1c1x1 (and its chapter, story).
      const saved = await cache.fetch(scene, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'saved text' }),
      });
      await saved.json();
      cache.flush();
    }, [SCENE, READING]);
    await ctx.page.reload();
    const before = await requests(ctx.url, `GET ${SCENE}`);
    const result = await ctx.page.evaluate(async ([scene, routes]) => {
      window.freshet = await import('/pkg/index.js');
      const cache = await freshet.createCache({ routes });
      return { text: (await cache.get(scene)).text, untouched: cache.peek('/community/api/posts/p2') !== undefined };
    }, [SCENE, READING]);
    assert.equal(result.text, 'saved text');
    assert.equal(await requests(ctx.url, `GET ${SCENE}`) - before, 1, 'read from the network, not the stale record');
    assert.equal(result.untouched, true, 'records the headers did not name are still served');
  });
});

// First reads served by the page (src/web/runtime/direct.rs, js/index.js): after a reload, a `peek` of a
// fresh persisted entry is answered by JS from the record itself, and the runtime restores the
// entry into memory before anything else reads or changes it. Each test checks that nothing
// can tell this from a read through wasm.
describe('first reads served from the record', () => {
  const ctx = useBrowser();
  const KEY = `freshet:1:anon:e:${SCENE}`;

  /** Persists SCENE and OTHER, reloads, and counts requests from zero. */
  async function persisted(options = { routes: READING }) {
    await readThrough(ctx, SCENE, options);
    await ctx.page.evaluate((url) => cache.get(url), OTHER);
    await ctx.page.evaluate(() => cache.flush());
    await reload(ctx);
    await resetCounters(ctx.url);
  }

  it('answers a first peek from storage, then holds the entry as restored with its tags', async () => {
    await persisted();
    const result = await ctx.page.evaluate(async ([scene, routes]) => {
      const cache = await freshet.createCache({ routes });
      const value = cache.peek(scene);
      const byPage = cache._urls.get(scene)?.id === -1;
      const again = cache.peek(scene);
      const stats = cache.stats();
      return {
        title: value?.title, same: again === value, byPage, info: cache.inspect(scene),
        storage: stats.tiers.storage, memory: stats.tiers.memory,
      };
    }, [SCENE, READING]);
    assert.ok(result.title, 'served');
    assert.equal(result.byPage, true, 'the page served it, not wasm');
    assert.equal(result.same, true, 'the second read is the same object');
    assert.equal(result.info.cause, 'restored');
    assert.equal(result.info.state, 'fresh');
    assert.deepEqual(result.info.tags, ['scene:s1c1x1']);
    assert.equal(result.storage.hits, 1, 'counted as a storage hit');
    assert.equal(result.memory.misses, 1, 'and a memory miss');
    assert.equal(await requests(ctx.url), 0);
  });

  it('answers a first get from storage the same way', async () => {
    await persisted();
    const result = await ctx.page.evaluate(async ([scene, routes]) => {
      const cache = await freshet.createCache({ routes });
      const value = await cache.get(scene);
      const byPage = cache._urls.get(scene)?.id === -1;
      return { title: value?.title, byPage, info: cache.inspect(scene), stats: cache.stats().tiers.storage };
    }, [SCENE, READING]);
    assert.ok(result.title);
    assert.equal(result.byPage, true);
    assert.equal(result.info.cause, 'restored');
    assert.equal(result.stats.hits, 1);
    assert.equal(await requests(ctx.url), 0);
  });

  it('an invalidation after a first peek finds the entry as a read through wasm leaves it', async () => {
    await persisted();
    const run = (byGet) => ctx.page.evaluate(async ([scene, routes, byGet]) => {
      const cache = await freshet.createCache({ routes });
      // With options, a get always goes through wasm.
      if (byGet) await cache.get(scene, {}); else cache.peek(scene);
      const byPage = cache._urls.get(scene)?.id === -1;
      cache.invalidateTags(['scene:s1c1x1']);
      const info = cache.inspect(scene);
      cache.flush();
      const record = localStorage.getItem(`freshet:1:anon:e:${scene}`);
      cache.destroy();
      return { state: info?.state, reason: info?.reason, cause: info?.cause, record: record !== null, byPage };
    }, [SCENE, READING, byGet]);
    const direct = await run(false);
    await reload(ctx);
    await persisted();
    const throughWasm = await run(true);
    assert.ok(direct.state, 'restored before the invalidation applied');
    assert.equal(direct.byPage, true);
    assert.equal(throughWasm.byPage, false);
    assert.deepEqual({ ...direct, byPage: false }, throughWasm);
    assert.equal(direct.record, false, 'the invalidated record is gone from storage');
  });

  it('never shows a first read to another scope', async () => {
    await persisted({ routes: READING, scope: 'alice' });
    const result = await ctx.page.evaluate(async ([scene, routes]) => {
      const cache = await freshet.createCache({ routes, scope: 'alice' });
      const alice = cache.peek(scene)?.title ?? null;
      cache.setScope('bob');
      const bob = cache.peek(scene) ?? null;
      const bobEntries = cache.storageInfo().entries;
      cache.setScope('alice');
      const back = cache.peek('/studio/api/scenes/s1c1x2')?.title ?? null;
      return { alice, bob, bobEntries, back, byPage: cache._urls.get('/studio/api/scenes/s1c1x2')?.id === -1 };
    }, [SCENE, READING]);
    assert.notEqual(result.alice, null);
    assert.equal(result.bob, null);
    assert.equal(result.bobEntries, 0);
    assert.notEqual(result.back, null, 'alice sees her data again');
    assert.equal(result.byPage, true, 'served by the page under the new scope\'s keys');
  });

  it('restores the record it served, even if another tab rewrote it since', async () => {
    await persisted();
    const result = await ctx.page.evaluate(async ([scene, routes, key]) => {
      const cache = await freshet.createCache({ routes });
      const served = cache.peek(scene);
      // Another tab writes a newer copy (another body, received a second later) before this
      // one restores the entry: a read through wasm had restored what it read, and so does this.
      const [magic, k, meta, ...body] = localStorage.getItem(key).split('\n');
      const fields = meta.split('\t');
      fields[1] = String(Number(fields[1]) + 1000);
      const newer = JSON.stringify({ ...served, title: 'rewritten elsewhere' });
      localStorage.setItem(key, [magic, k, fields.join('\t'), newer].join('\n'));
      const info = cache.inspect(scene);
      const read = await cache.get(scene);
      return { served: served.title, cause: info?.cause, read: read.title, same: read === served };
    }, [SCENE, READING, KEY]);
    assert.equal(result.cause, 'restored');
    assert.equal(result.read, result.served);
    assert.equal(result.same, true, 'the object served is the one kept');
    assert.equal(await requests(ctx.url), 0);
  });

  it('restores what it served in a task of its own when nothing else comes first', async () => {
    await persisted();
    const result = await ctx.page.evaluate(async ([scene, routes]) => {
      const cache = await freshet.createCache({ routes });
      const served = cache.peek(scene);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // No call came between: the restore ran on its own, so memory changed and this read went
      // through wasm (which interned the key) instead of the memo.
      const again = cache.peek(scene);
      const throughWasm = cache._urls.get(scene).id >= 0;
      localStorage.clear();
      return { same: again === served, throughWasm, info: cache.inspect(scene) };
    }, [SCENE, READING]);
    assert.equal(result.same, true);
    assert.equal(result.throughWasm, true);
    assert.equal(result.info.cause, 'restored');
  });

  for (const [name, damage] of [
    ['a fingerprint that is not hex', (f) => { f[5] = 'zz'; }],
    ['an empty tag', (f) => { f[9] = 'scene:s1c1x1\x1f'; }],
    ['a time with a sign', (f) => { f[2] = `+${f[2]}`; }],
  ]) {
    it(`a head with ${name} is read through wasm, which deletes it`, async () => {
      await persisted();
      const damaged = await ctx.page.evaluate(([key, damage]) => {
        const [magic, k, meta, ...body] = localStorage.getItem(key).split('\n');
        const fields = meta.split('\t');
        (0, eval)(`(${damage})`)(fields);
        localStorage.setItem(key, [magic, k, fields.join('\t'), ...body].join('\n'));
        return fields.join('\t');
      }, [KEY, damage.toString()]);
      const result = await ctx.page.evaluate(async ([scene, routes, key]) => {
        const cache = await freshet.createCache({ routes });
        const value = cache.peek(scene);
        const byPage = cache._urls.get(scene)?.id === -1;
        cache.flush();
        return { value: value ?? null, byPage, record: localStorage.getItem(key) };
      }, [SCENE, READING, KEY]);
      assert.ok(damaged.length > 0);
      assert.equal(result.byPage, false, 'not served by the page');
      if (name === 'a time with a sign') {
        // Rust's integer parser takes a leading '+': wasm serves it, the page leaves it to wasm.
        assert.ok(result.value?.title);
      } else {
        assert.equal(result.value, null);
        assert.equal(result.record, null, 'deleted');
      }
    });
  }

  it('a stale record is left to wasm, which serves it as before', async () => {
    await persisted();
    const result = await ctx.page.evaluate(async ([scene, routes, key]) => {
      const [magic, k, meta, ...body] = localStorage.getItem(key).split('\n');
      const f = meta.split('\t');
      const now = Date.now();
      f[1] = String(now - 10_000); f[2] = f[1]; f[3] = String(now - 5_000); f[4] = String(now + 60_000);
      localStorage.setItem(key, [magic, k, f.join('\t'), ...body].join('\n'));
      const cache = await freshet.createCache({ routes });
      const value = cache.peek(scene);
      return { title: value?.title ?? null, byPage: cache._urls.get(scene)?.id === -1, state: cache.inspect(scene)?.state };
    }, [SCENE, READING, KEY]);
    assert.equal(result.byPage, false);
    assert.ok(result.title, 'served stale, as a read through wasm serves it');
    assert.equal(result.state, 'stale');
  });
});
