// The read path of the package, in headless Chromium against the demo server: read-through,
// memory hits with identity, deduplication, stale-while-revalidate, invalidation, subscribers,
// bounds, gc, focus/reconnect revalidation and errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser, write } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';

describe('read path', () => {
  const ctx = useBrowser();

  it('reads through the network once, then serves the same object from memory', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const first = await cache.get(scene);
      const second = await cache.get(scene);
      return { title: first.title, same: first === second, peekSame: cache.peek(scene) === first };
    }, SCENE);
    assert.equal(result.title.length > 0, true);
    assert.equal(result.same, true);
    assert.equal(result.peekSame, true);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
  });

  it('keys query strings in any order as one entry', async () => {
    const keys = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache();
      await cache.get('/community/api/posts?b=2&a=1');
      await cache.get(`${location.origin}/community/api/posts?a=1&b=2`);
      return cache.keys();
    });
    assert.deepEqual(keys, ['/community/api/posts?a=1&b=2']);
    assert.equal(await requests(ctx.url, 'GET /community/api/posts'), 1);
  });

  it('deduplicates concurrent identical reads', async () => {
    await fault(ctx.url, { route: SCENE, delayMs: 150 });
    const same = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const values = await Promise.all([cache.get(scene), cache.get(scene), cache.get(scene)]);
      return values.every((v) => v === values[0]);
    }, SCENE);
    assert.equal(same, true);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
  });

  it('serves stale data at once and revalidates in the background', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache({
        dedupingInterval: 0,
        pageTypes: { reading: { staleTime: 50 } },
        routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'reading', tags: ['scene:{id}'] }],
      });
      const first = await cache.get(scene);
      const seen = [];
      cache.subscribe(scene, (v) => seen.push(v.text));
      await fetch(scene, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'edited' }) });
      await new Promise((r) => setTimeout(r, 80));
      const stale = await cache.get(scene);
      const servedStale = stale === first;
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      return { servedStale, seen, now: cache.peek(scene).text, info: cache.inspect(scene) };
    }, SCENE);
    assert.equal(result.servedStale, true);
    assert.deepEqual(result.seen, ['edited']);
    assert.equal(result.now, 'edited');
    assert.equal(result.info.pageType, 'reading');
    assert.deepEqual(result.info.tags, ['scene:s1c1x1']);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 2);
  });

  it('does not revalidate inside the deduping window', async () => {
    await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'writing' }] });
      await cache.get(scene);
      await cache.get(scene);
      await cache.get(scene);
    }, SCENE);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
  });

  it('an invalidated entry is not served: the reader waits for the refetch', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      await cache.get(scene);
      await fetch(scene, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'v2' }) });
      cache.invalidate(scene);
      const state = cache.inspect(scene).state;
      const peeked = cache.peek(scene);
      const next = await cache.get(scene);
      return { state, peeked: peeked === undefined, text: next.text };
    }, SCENE);
    assert.deepEqual(result, { state: 'invalidated', peeked: true, text: 'v2' });
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 2);
  });

  it('an observed entry is refetched as soon as it is invalidated', async () => {
    const seen = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      await cache.get(scene);
      const seen = [];
      const stop = cache.subscribe(scene, (v) => seen.push(v.text));
      await fetch(scene, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'pushed' }) });
      cache.invalidate(scene);
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      stop();
      stop();
      cache.set(scene, { text: 'after unsubscribe' });
      return seen;
    }, SCENE);
    assert.deepEqual(seen, ['pushed']);
  });

  it('set stores a value, notifies, and wins over a read already in flight', async () => {
    await fault(ctx.url, { route: SCENE, delayMs: 200 });
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const seen = [];
      cache.subscribe(scene, (v) => seen.push(v.text));
      const slow = cache.get(scene);
      cache.set(scene, { text: 'local' });
      const resolved = await slow;
      return { seen, resolved: resolved.text, peek: cache.peek(scene).text, cause: cache.inspect(scene).cause };
    }, SCENE);
    assert.deepEqual(result, { seen: ['local'], resolved: 'local', peek: 'local', cause: 'set' });
  });

  it('errors reject with a FreshetError and cache nothing', async () => {
    await fault(ctx.url, { route: SCENE, status: 500 });
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      let error;
      try {
        await cache.get(scene);
      } catch (e) {
        error = { name: e.name, code: e.code, status: e.status, isError: e instanceof Error };
      }
      const keys = cache.keys();
      const retry = await cache.get(scene);
      return { error, keys, retried: typeof retry.text };
    }, SCENE);
    assert.deepEqual(result.error, { name: 'FreshetError', code: 'HTTP_STATUS', status: 500, isError: true });
    assert.deepEqual(result.keys, []);
    assert.equal(result.retried, 'string');
  });

  it('bad input throws a clear error and the module keeps working', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const codes = [];
      for (const url of ['', '/a b', 'ftp://x/y']) {
        try { cache.peek(url); } catch (e) { codes.push(e.code); }
      }
      try { await freshet.createCache({ gcTime: -1 }); } catch (e) { codes.push(e.code + ': ' + e.message); }
      try { await freshet.createCache({ routes: [{ pattern: 'nope' }] }); } catch (e) { codes.push(e.code); }
      try { cache.get(scene, { tags: 'not-an-array' }); } catch (e) { codes.push(e.code); }
      const network = await cache.get('http://127.0.0.1:1/unreachable').catch((e) => e.code);
      const fine = await cache.get(scene);
      return { codes, network, fine: typeof fine.title };
    }, SCENE);
    assert.deepEqual(result.codes, [
      'INVALID_URL', 'INVALID_URL', 'INVALID_URL',
      'INVALID_OPTIONS: invalid options: gcTime must be a non-negative number of milliseconds',
      'INVALID_OPTIONS', 'INVALID_OPTIONS',
    ]);
    assert.equal(result.network, 'NETWORK');
    assert.equal(result.fine, 'string');
  });

  it('relative URLs resolve against the page', async () => {
    const keys = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache();
      await cache.get('../../community/api/posts');
      return cache.keys();
    });
    assert.deepEqual(keys, ['/community/api/posts']);
  });

  it('relative URLs follow the page location; absolute ones are memoized', async () => {
    const result = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache();
      cache.set('/tests/a/x', 'under a');
      cache.set('/tests/b/x', 'under b');
      history.pushState(null, '', '/tests/a/page.html');
      const first = cache.peek('x');
      history.pushState(null, '', '/tests/b/page.html');
      const second = cache.peek('x');
      return { first, second, absolute: cache.peek('/tests/a/x') };
    });
    assert.deepEqual(result, { first: 'under a', second: 'under b', absolute: 'under a' });
  });

  it('the URL memo resets past its bound without losing entries', async () => {
    const result = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache({ maxEntries: 100 });
      cache.set('/kept', 'kept');
      for (let i = 0; i < 50_010; i++) cache.peek(`/miss/${i}`);
      return { kept: cache.peek('/kept'), again: cache.peek('/kept') };
    });
    assert.deepEqual(result, { kept: 'kept', again: 'kept' });
  });

  it('keeps memory within maxEntries, evicting least recently used', async () => {
    const result = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache({ maxEntries: 16 });
      await cache.get('/community/api/posts?n=0');
      for (let i = 1; i < 40; i++) {
        await cache.get(`/community/api/posts?n=${i}`);
        cache.peek('/community/api/posts?n=0');
      }
      return { count: cache.keys().length, keptHot: cache.peek('/community/api/posts?n=0') !== undefined };
    });
    assert.ok(result.count <= 16, `kept ${result.count}`);
    assert.equal(result.keptHot, true);
  });

  it('collects unobserved entries after gcTime, but not observed ones', async () => {
    const keys = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache({ gcTime: 1000 });
      await cache.get(scene);
      await cache.get('/community/api/posts');
      cache.subscribe('/community/api/posts', () => {});
      await new Promise((r) => setTimeout(r, 2300));
      return cache.keys();
    }, SCENE);
    assert.deepEqual(keys, ['/community/api/posts']);
  });

  it('revalidates observed stale entries on focus and on reconnect, throttled', async () => {
    const counts = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache({ dedupingInterval: 0, focusThrottleInterval: 300, pageTypes: { browse: { staleTime: 0 } } });
      await cache.get(scene);
      cache.subscribe(scene, () => {});
      const count = async () => (await (await fetch('/__test/requests')).json()).byRoute[`GET ${scene}`];
      const settle = () => new Promise((r) => setTimeout(r, 100));
      window.dispatchEvent(new Event('focus'));
      await settle();
      const afterFocus = await count();
      window.dispatchEvent(new Event('focus'));
      await settle();
      const throttled = await count();
      await new Promise((r) => setTimeout(r, 300));
      window.dispatchEvent(new Event('online'));
      await settle();
      return { afterFocus, throttled, afterOnline: await count() };
    }, SCENE);
    assert.deepEqual(counts, { afterFocus: 2, throttled: 2, afterOnline: 3 });
  });

  it('destroy stops the cache', async () => {
    const code = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      cache.destroy();
      try { cache.get(scene); } catch (e) { return e.code; }
      return 'no error';
    }, SCENE);
    assert.equal(code, 'DESTROYED');
  });

  it('a freed cache throws DESTROYED on every call and leaves the module working', async () => {
    // A call into wasm on a freed object leaks wasm stack; about 20,000 of them used to kill
    // the module for the whole page (js/index.js). 100,000 calls here.
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      await cache.get(scene);
      cache.free();
      const seen = {};
      const call = (f) => {
        let what = 'returned';
        try { f(); } catch (e) { what = `${e.name} ${e.code} ${e.message}`; }
        seen[what] = (seen[what] ?? 0) + 1;
      };
      for (let i = 0; i < 25_000; i++) {
        call(() => cache.peek(scene));
        call(() => cache.get(scene));
        call(() => cache.keys());
        call(() => cache.__adoptServed());
      }
      call(() => cache.free());
      call(() => cache[Symbol.dispose]());
      call(() => cache.destroy());
      // Shaped like fetch: rejects rather than throws.
      const fetched = await cache.fetch(scene).then(() => 'resolved', (e) => e.code);
      const other = await freshet.createCache();
      return { seen, fetched, title: (await other.get(scene)).title };
    }, SCENE);
    assert.deepEqual(result.seen, { 'FreshetError DESTROYED the cache was freed': 100_000, returned: 3 });
    assert.equal(result.fetched, 'DESTROYED');
    assert.equal(typeof result.title, 'string');
  });

  it('a cache freed from its own callback is freed once the call ends, with no error', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const seen = [];
      cache.subscribe(scene, () => {
        try { cache.free(); seen.push('freed'); } catch (e) { seen.push(`free threw ${e.message}`); }
      });
      cache.set(scene, { title: 'x' });
      try { cache.keys(); } catch (e) { seen.push(e.code); }
      return seen;
    }, SCENE);
    assert.deepEqual(result, ['freed', 'DESTROYED']);
  });

  it('works with the app\'s own fetch', async () => {
    const result = await ctx.page.evaluate(async (scene) => {
      const calls = [];
      const cache = await freshet.createCache({ fetch: (url, init) => { calls.push(url); return fetch(url, init); } });
      await cache.get(scene, { init: { headers: { 'X-Test': '1' } } });
      return calls;
    }, SCENE);
    assert.deepEqual(result, [SCENE]);
  });

  it('a write from another client is seen after invalidation', async () => {
    await write(ctx.url, 'PATCH', SCENE, { text: 'from node' });
    const text = await ctx.page.evaluate(async (scene) => (await (await freshet.createCache()).get(scene)).text, SCENE);
    assert.equal(text, 'from node');
  });
});
