// The invalidation protocol in headless Chromium against the demo server: each header form on a
// real response (through `cache.fetch`, `wrapFetch` and freshet's own reads), limits and bad
// input, other origins, the GET race, and invalidations between two pages of one browser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const OTHER_SCENE = '/studio/api/scenes/s2c1x1';
const STORY = '/studio/api/stories/s1';
const POSTS = '/community/api/posts';
const ROUTES = [
  { pattern: '/studio/api/*', pageType: 'writing' },
  { pattern: '/community/api/*', pageType: 'community' },
];

// Runs in the page: a cache with the demo's page types, the four entries read, and `states()`.
async function setup(page, options = {}) {
  await page.evaluate(async ({ routes, keys, options }) => {
    const cache = await freshet.createCache({ routes, ...options });
    for (const key of keys) await cache.get(key);
    window.cache = cache;
    window.states = () => Object.fromEntries(keys.map((k) => [k, cache.inspect(k)?.state ?? 'absent']));
  }, { routes: ROUTES, keys: [SCENE, OTHER_SCENE, STORY, POSTS], options });
}

// Sends one response with `headers` (name → value or values) through `cache.fetch`; the states after.
async function respond(page, headers, { method = 'POST', base = '' } = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(headers)) {
    for (const v of [value].flat()) query.append(name, v);
  }
  return page.evaluate(async ({ url, method }) => {
    const response = await cache.fetch(url, { method });
    await response.json();
    return states();
  }, { url: `${base}/__test/headers?${query}`, method });
}

const S = (scene, other, story, posts) => ({ [SCENE]: scene, [OTHER_SCENE]: other, [STORY]: story, [POSTS]: posts });

describe('invalidation headers', () => {
  const ctx = useBrowser();

  it('X-Cache-Invalidate names page types; unknown ones are ignored', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'nonsense, community' }),
      S('stale', 'stale', 'stale', 'invalidated'));
  });

  it('X-Cache-Invalidate-Keys names tags', async () => {
    await setup(ctx.page);
    // story:s1's outline is tagged with its scenes, so it goes too; the other scene stays.
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': 'scene:s1c1x1' }),
      S('invalidated', 'stale', 'invalidated', 'fresh'));
  });

  it('a trailing :* is a prefix pattern; nothing else is', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': 'scene*, sce*:x, post:*' }),
      S('stale', 'stale', 'stale', 'invalidated'));
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': 'scene:s2*, scene:*' }),
      S('invalidated', 'invalidated', 'invalidated', 'invalidated'));
  });

  it('a value starting with / names request keys by path prefix', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': '/studio/api/scenes/' }),
      S('invalidated', 'invalidated', 'stale', 'fresh'));
  });

  it('X-Cache-Invalidate-Timestamp keeps data the server produced after the change', async () => {
    await setup(ctx.page);
    const past = new Date(Date.now() - 60_000).toISOString();
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'writing', 'X-Cache-Invalidate-Timestamp': past }),
      S('stale', 'stale', 'stale', 'fresh'));
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'writing', 'X-Cache-Invalidate-Timestamp': future }),
      S('invalidated', 'invalidated', 'invalidated', 'fresh'));
  });

  it('a missing or unparseable timestamp means now', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'community', 'X-Cache-Invalidate-Timestamp': 'soon' }),
      S('stale', 'stale', 'stale', 'invalidated'));
  });

  it('Clear-Site-Data wipes the scope', async () => {
    // Chromium consumes Clear-Site-Data itself and hides it from `Response.headers`, so no real
    // response can show it to a page: this one response is built in the page.
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async () => {
      const synthetic = async () => new Response('{}', { headers: { 'Clear-Site-Data': '"cookies", "cache"' } });
      await cache.fetch('/studio/api/logout', { method: 'POST' }, synthetic);
      return states();
    });
    assert.deepEqual(result, S('absent', 'absent', 'absent', 'absent'));
  });

  it('repeated header fields are all applied', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': ['scene:s2c1x1', 'post:*'] }),
      S('stale', 'invalidated', 'stale', 'invalidated'));
  });

  it('over the key limit, the named page types are invalidated instead', async () => {
    await setup(ctx.page);
    const many = Array.from({ length: 600 }, (_, i) => `k:${i}`).join(',');
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'community', 'X-Cache-Invalidate-Keys': many }),
      S('stale', 'stale', 'stale', 'invalidated'));
    const long = `scene:${'x'.repeat(300)}`;
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': long }),
      S('invalidated', 'invalidated', 'invalidated', 'invalidated'));
  });

  it('a bare * counts only when the app enables it', async () => {
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': '*' }), S('stale', 'stale', 'stale', 'fresh'));
    await setup(ctx.page, { allowInvalidateAll: true });
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate-Keys': '*' }),
      S('invalidated', 'invalidated', 'invalidated', 'invalidated'));
  });

  it('headers from another origin apply only when it is allowed', async () => {
    const other = ctx.url.replace('127.0.0.1', 'localhost');
    await setup(ctx.page);
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'writing' }, { base: other }),
      S('stale', 'stale', 'stale', 'fresh'));
    await setup(ctx.page, { invalidationOrigins: [other] });
    assert.deepEqual(await respond(ctx.page, { 'X-Cache-Invalidate': 'writing' }, { base: other }),
      S('invalidated', 'invalidated', 'invalidated', 'fresh'));
  });

  it('freshet’s own reads apply the headers they carry, sparing their own entry', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async () => {
      const url = '/__test/headers?X-Cache-Invalidate-Keys=scene:s2c1x1&X-Cache-Tags=scene:s2c1x1';
      await cache.get(url);
      return { ...states(), own: cache.inspect(url).state };
    });
    assert.equal(result[OTHER_SCENE], 'invalidated');
    assert.equal(result[SCENE], 'stale');
    assert.notEqual(result.own, 'invalidated');
  });

  it('the app invalidates by tags, page types and paths', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(() => {
      cache.invalidateTags(['post:*']);
      const a = states();
      cache.invalidatePageTypes(['writing', 'unknown']);
      return [a, states()];
    });
    assert.deepEqual(result, [S('stale', 'stale', 'stale', 'invalidated'), S('invalidated', 'invalidated', 'invalidated', 'invalidated')]);
  });

  it('malformed input never throws into the app', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async () => {
      const url = '/__test/headers?X-Cache-Invalidate=,,%20,&X-Cache-Invalidate-Keys=:*,,*,&X-Cache-Invalidate-Timestamp=2025-13-45T99:99Z';
      const response = await cache.fetch(url, { method: 'PATCH' });
      const viaObject = await cache.fetch(new Request(url, { method: 'DELETE' }));
      const wrapped = freshet.wrapFetch(cache);
      const viaUrl = await wrapped(new URL(url, location.href));
      return [response.status, viaObject.status, viaUrl.status];
    });
    assert.deepEqual(result, [200, 200, 200]);
  });

  it('observed entries are refetched at once after a save through wrapFetch', async () => {
    await setup(ctx.page);
    const seen = await ctx.page.evaluate(async (scene) => {
      const seen = [];
      cache.subscribe(scene, (v) => seen.push(v.text));
      const fetch2 = freshet.wrapFetch(cache, fetch);
      const response = await fetch2(scene, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'saved' }),
      });
      await response.json();
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      return seen;
    }, SCENE);
    assert.deepEqual(seen, ['saved']);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 2);
  });
});

describe('races', () => {
  const ctx = useBrowser();

  it('a slow GET started before a save ends with the saved value', async () => {
    await fault(ctx.url, { route: SCENE, method: 'GET', delayMs: 400 });
    const result = await ctx.page.evaluate(async (scene) => {
      const cache = await freshet.createCache();
      const fetch2 = freshet.wrapFetch(cache);
      // no-store: Chromium's HTTP cache would otherwise hold the PATCH until this GET is done.
      const slow = cache.get(scene, { init: { cache: 'no-store' } });
      await new Promise((r) => setTimeout(r, 50));
      const saved = await fetch2(scene, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'saved' }),
      });
      await saved.json();
      const value = await slow;
      return { value: value.text, after: (await cache.get(scene)).text, peek: cache.peek(scene)?.text };
    }, SCENE);
    assert.deepEqual(result, { value: 'saved', after: 'saved', peek: 'saved' });
  });

  it('a GET answered before a save but delivered after it is dropped and refetched', async () => {
    // The response is held on its way to the cache (a slow network, which the server cannot
    // produce): it carries the old text, and arrives after the save's headers were applied.
    const result = await ctx.page.evaluate(async (scene) => {
      let release;
      const held = new Promise((r) => { release = r; });
      let first = true;
      const slowNetwork = async (input, init) => {
        const response = await fetch(input, init);
        if (first && (init?.method ?? 'GET') === 'GET') {
          first = false;
          await held;
        }
        return response;
      };
      const cache = await freshet.createCache({ fetch: slowNetwork });
      const slow = cache.get(scene);
      await new Promise((r) => setTimeout(r, 100));
      const saved = await cache.fetch(scene, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'saved' }),
      }, fetch);
      await saved.json();
      release();
      return (await slow).text;
    }, SCENE);
    assert.equal(result, 'saved');
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 2);
  });
});

describe('tabs', () => {
  const ctx = useBrowser();

  async function secondPage() {
    const page = await ctx.context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${ctx.url}/tests/js/blank.html`);
    await page.evaluate(async () => {
      window.freshet = await import('/pkg/index.js');
    });
    return page;
  }

  it('a save in one page invalidates the entry in the other within 100 ms', async () => {
    const other = await secondPage();
    await setup(ctx.page);
    await setup(other);
    await other.evaluate((scene) => {
      window.invalidatedAt = new Promise((resolve) => {
        const poll = () => (cache.inspect(scene)?.state === 'invalidated' ? resolve(Date.now()) : setTimeout(poll, 1));
        poll();
      });
    }, SCENE);
    const savedAt = await ctx.page.evaluate(async (scene) => {
      const response = await freshet.wrapFetch(cache)(scene, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'other tab' }),
      });
      await response.json();
      return Date.now();
    }, SCENE);
    const invalidatedAt = await other.evaluate(() => window.invalidatedAt);
    assert.ok(invalidatedAt - savedAt < 100, `took ${invalidatedAt - savedAt} ms`);
    assert.equal(await other.evaluate((scene) => cache.get(scene).then((v) => v.text), SCENE), 'other tab');
    await other.close();
  });

  it('a wipe is for one scope: a page of another user keeps its data', async () => {
    const other = await secondPage();
    const third = await secondPage();
    const open = (page, scope) => page.evaluate(async ([scope, scene]) => {
      window.cache = await freshet.createCache({ scope });
      await cache.get(scene);
    }, [scope, SCENE]);
    await open(ctx.page, 'alice');
    await open(other, 'alice');
    await open(third, 'bob');
    await ctx.page.evaluate(() => cache.clear());
    await new Promise((r) => setTimeout(r, 150));
    const keys = (page) => page.evaluate(() => cache.keys());
    assert.deepEqual(await keys(other), [], 'the same user\'s other tab is wiped');
    assert.deepEqual(await keys(third), [SCENE], 'another user\'s tab keeps its data');
    await other.close();
    await third.close();
  });

  it('clear() in one page wipes the other; each page ignores its own echo and junk', async () => {
    const other = await secondPage();
    await setup(ctx.page);
    await setup(other);
    const junk = await other.evaluate(async () => {
      const channel = new BroadcastChannel('freshet:freshet:invalidations');
      for (const message of ['{', '42', 'null', JSON.stringify({ v: 1, tab: 'x', wipe: 'yes' }), JSON.stringify({ v: 2, wipe: true })]) {
        channel.postMessage(message);
      }
      channel.postMessage({ not: 'a string' });
      await new Promise((r) => setTimeout(r, 50));
      channel.close();
      return cache.keys().length;
    });
    assert.equal(junk, 4);
    await ctx.page.evaluate(() => cache.clear());
    const keys = await other.evaluate(async () => {
      for (let i = 0; i < 50 && cache.keys().length > 0; i++) await new Promise((r) => setTimeout(r, 2));
      return cache.keys();
    });
    assert.deepEqual(keys, []);
    await other.close();
  });

  it('without BroadcastChannel, the storage event carries invalidations', async () => {
    const other = await secondPage();
    for (const page of [ctx.page, other]) {
      await page.evaluate(() => { delete window.BroadcastChannel; });
      await setup(page);
    }
    await ctx.page.evaluate(() => cache.fetch('/__test/headers?X-Cache-Invalidate=community', { method: 'POST' }));
    const state = await other.evaluate(async (posts) => {
      for (let i = 0; i < 50 && cache.inspect(posts).state !== 'invalidated'; i++) await new Promise((r) => setTimeout(r, 2));
      return cache.inspect(posts).state;
    }, POSTS);
    assert.equal(state, 'invalidated');
    const messageKeys = await ctx.page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(':invalidations')));
    assert.deepEqual(messageKeys, [], 'the fallback leaves no message behind in localStorage');
    await other.close();
  });

  it('invalidations through the API reach the other page too, each in its own terms', async () => {
    const other = await secondPage();
    await setup(ctx.page);
    await setup(other);
    const settle = (page, expected) => page.evaluate(async (want) => {
      for (let i = 0; i < 50 && JSON.stringify(states()) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 2));
      return states();
    }, expected);
    await ctx.page.evaluate((scene) => cache.invalidate(scene), SCENE);
    // The read of the invalidated scene refetches it; only its state matters here.
    assert.equal((await settle(other, S('invalidated', 'stale', 'stale', 'stale')))[SCENE], 'invalidated');
    await ctx.page.evaluate(() => cache.invalidatePageTypes(['community']));
    assert.equal((await settle(other, S('invalidated', 'stale', 'stale', 'invalidated')))[POSTS], 'invalidated');
    await ctx.page.evaluate(() => cache.invalidate({ paths: ['/studio/api/scenes/s2'] }));
    assert.equal((await settle(other, S('invalidated', 'invalidated', 'stale', 'invalidated')))[OTHER_SCENE], 'invalidated');
    assert.equal((await other.evaluate((story) => cache.inspect(story).state, STORY)), 'stale', 'nothing more than named');
    assert.match(await other.evaluate((scene) => cache.inspect(scene).reason, OTHER_SCENE), /tab/i);
    await other.close();
  });

  it('malformed API targets from another tab are ignored as a whole', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async () => {
      const before = states();
      const channel = new BroadcastChannel('freshet:freshet:invalidations');
      const base = { v: 1, tab: 'elsewhere', n: 1, wipe: false, pageTypes: null, keys: null, timestamp: null, origin: '' };
      for (const targets of [[['k']], [['z', 'x']], 'k', [[1, 2]], [['k', '/studio/api/scenes/s1c1x1'], 'junk']]) {
        channel.postMessage(JSON.stringify({ ...base, targets }));
      }
      channel.postMessage(JSON.stringify({ ...base, targets: [['p', 'no such type'], ['t', 'post:p99']] }));
      await new Promise((r) => setTimeout(r, 50));
      channel.close();
      return { before, after: states() };
    });
    assert.deepEqual(result.after, result.before, 'an unknown page type and an unused tag match nothing; the rest was malformed');
    assert.ok(!Object.values(result.after).includes('invalidated'));
  });

  it('a well-formed event from another tab is applied', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async () => {
      const channel = new BroadcastChannel('freshet:freshet:invalidations');
      channel.postMessage(JSON.stringify({ v: 1, tab: 'elsewhere', n: 1, wipe: false, pageTypes: 'community', keys: null, timestamp: null, origin: '' }));
      await new Promise((r) => setTimeout(r, 50));
      channel.close();
      return states();
    });
    assert.deepEqual(result, S('stale', 'stale', 'stale', 'invalidated'));
  });
});
