// Wiping: `clear()` and its one-tier forms, and `clearOnUnauthorized` (SPEC §6): a 401 means the
// session is gone, so the user's data goes from memory, storage and every tab; without the
// option a 401 is only an error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const STORY = '/studio/api/stories/s1';

/** In the page: a cache (with `options`), two entries read and flushed to storage. */
async function setup(page, options) {
  await page.evaluate(async ([opts, scene, story]) => {
    window.cache = await freshet.createCache({ scope: 'u1', ...opts });
    await cache.get(scene);
    await cache.get(story);
    cache.flush();
  }, [options, SCENE, STORY]);
}

const stored = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('freshet:1:u1:e:')).length);

describe('clearOnUnauthorized', () => {
  const ctx = useBrowser();

  it('a 401 on a read wipes memory and the scope\'s records, in this tab and the other', async () => {
    await setup(ctx.page, { clearOnUnauthorized: true });
    const other = await ctx.context.newPage();
    await other.goto(`${ctx.url}/tests/js/blank.html`);
    await other.evaluate(async (story) => {
      window.freshet = await import('/pkg/index.js');
      window.cache = await freshet.createCache({ scope: 'u1', clearOnUnauthorized: true });
      await cache.get(story);
    }, STORY);
    assert.equal(await stored(ctx.page), 2);
    await fault(ctx.url, { route: '/studio/api/stories', status: 401 });
    const result = await ctx.page.evaluate(async ([scene]) => {
      let error = null;
      try { await cache.get('/studio/api/stories'); } catch (e) { error = { code: e.code, status: e.status }; }
      return { error, scene: cache.peek(scene) ?? null, keys: cache.keys() };
    }, [SCENE]);
    assert.deepEqual(result.error, { code: 'HTTP_STATUS', status: 401 });
    assert.equal(result.scene, null);
    assert.deepEqual(result.keys, []);
    assert.equal(await stored(ctx.page), 0);
    await other.waitForFunction((story) => window.cache.peek(story) === undefined, STORY, { polling: 20, timeout: 1_000 });
    await other.close();
  });

  it('a 401 through wrapFetch wipes too', async () => {
    await setup(ctx.page, { clearOnUnauthorized: true });
    await fault(ctx.url, { route: SCENE, method: 'PATCH', status: 401 });
    const result = await ctx.page.evaluate(async (scene) => {
      const send = freshet.wrapFetch(cache);
      const response = await send(scene, { method: 'PATCH', body: '{"text":"x"}' });
      return { status: response.status, keys: cache.keys() };
    }, SCENE);
    assert.deepEqual(result, { status: 401, keys: [] });
    assert.equal(await stored(ctx.page), 0);
  });

  it('without the option a 401 is an error and nothing is wiped', async () => {
    await setup(ctx.page, {});
    await fault(ctx.url, { route: '/studio/api/stories', status: 401 });
    const result = await ctx.page.evaluate(async (scene) => {
      let code = null;
      try { await cache.get('/studio/api/stories'); } catch (e) { code = e.code; }
      return { code, scene: cache.peek(scene)?.id ?? null };
    }, SCENE);
    assert.deepEqual(result, { code: 'HTTP_STATUS', scene: 's1c1x1' });
    assert.equal(await stored(ctx.page), 2);
  });

  it('clear({ storage: false }) empties memory only; reads restore from storage without a request', async () => {
    await setup(ctx.page, {});
    const before = await requests(ctx.url);
    const result = await ctx.page.evaluate(async (scene) => {
      cache.clear({ storage: false });
      const keys = cache.keys();
      const value = await cache.get(scene);
      return { keys, id: value.id };
    }, SCENE);
    assert.deepEqual(result, { keys: [], id: 's1c1x1' });
    assert.equal(await stored(ctx.page), 2);
    assert.equal(await requests(ctx.url), before, 'served from the storage tier');
  });

  it('clear({ memory: false }) wipes the stored records and keeps memory', async () => {
    await setup(ctx.page, {});
    const keys = await ctx.page.evaluate(() => { cache.clear({ memory: false }); return cache.keys(); });
    assert.equal(keys.length, 2);
    assert.equal(await stored(ctx.page), 0);
    const bad = await ctx.page.evaluate(() => { try { cache.clear({ memory: 'yes' }); return null; } catch (e) { return e.code; } });
    assert.equal(bad, 'INVALID_OPTIONS');
  });
});
