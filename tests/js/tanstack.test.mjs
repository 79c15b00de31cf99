// freshet/tanstack in headless Chromium: a page built with esbuild from the real
// `@tanstack/query-core` and `@tanstack/query-persist-client-core`, against the demo server.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundlePage } from './bundle.mjs';
import { requests, useBrowser } from './harness.mjs';

const CHAPTER = 'GET /studio/api/chapters/s1c1';

async function resetCounters(base) {
  await fetch(`${base}/__test/requests/reset`, { method: 'POST' });
}

async function shows(page, expected) {
  await page.waitForFunction((text) => document.getElementById('root')?.textContent === text, expected, { timeout: 5000 });
  return page.evaluate(() => document.getElementById('root').textContent);
}

/** The persister's records in localStorage (freshet's keys for `~tanstack:` records). */
function records(page) {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':e:~tanstack:')).sort());
}

describe('TanStack Query persister', () => {
  const ctx = useBrowser();
  let path;
  before(async () => {
    path = await bundlePage('tanstack', 'tanstack-page.js');
  });

  it('restores a persisted query after a reload, one record per query', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    assert.equal(await shows(ctx.page, 'Scene 1'), 'Scene 1');
    assert.equal(await ctx.page.evaluate(() => window.restored), null);
    await ctx.page.evaluate(async () => {
      await window.client.fetchQuery({ queryKey: ['/studio/api/stories/s1'] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      window.cache.flush();
    });
    const stored = await records(ctx.page);
    assert.equal(stored.length, 3, `a client record and one per query: ${stored}`);
    await resetCounters(ctx.url);
    await ctx.page.reload();
    assert.equal(await shows(ctx.page, 'Scene 1'), 'Scene 1');
    const restored = await ctx.page.evaluate(() => window.restored?.scenes[0].title);
    assert.equal(restored, 'Scene 1', 'the persister restored it before any query function ran');
    assert.equal(await requests(ctx.url), 0);
  });

  it('rewrites only the queries that changed', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    await shows(ctx.page, 'Scene 1');
    const written = await ctx.page.evaluate(async () => {
      await window.client.fetchQuery({ queryKey: ['/studio/api/stories/s1'] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      window.cache.flush();
      const writes = [];
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        writes.push(key);
        return setItem.call(this, key, value);
      };
      window.client.setQueryData(['/studio/api/stories/s1'], (story) => ({ ...story, title: 'Changed' }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      window.cache.flush();
      Storage.prototype.setItem = setItem;
      return writes.filter((k) => k.includes(':e:~tanstack:'));
    });
    assert.equal(written.length, 2, `the changed query and the client record: ${written}`);
    assert.ok(written.some((k) => k.includes('stories')));
    assert.ok(!written.some((k) => k.includes('chapters')), 'the unchanged query is not rewritten');
  });

  it('shows fresh data after a mutation whose response headers invalidate the query', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    await shows(ctx.page, 'Scene 1');
    await resetCounters(ctx.url);
    assert.equal(await ctx.page.evaluate(() => window.renameScene('Renamed by a save')), 200);
    assert.equal(await shows(ctx.page, 'Renamed by a save'), 'Renamed by a save');
    assert.equal(await requests(ctx.url, CHAPTER), 1);
    const data = await ctx.page.evaluate(() => window.client.getQueryData(['/studio/api/chapters/s1c1']).scenes[0].title);
    assert.equal(data, 'Renamed by a save');
  });

  it('keeps each scope its own records, and removeClient removes them', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    await shows(ctx.page, 'Scene 1');
    await ctx.page.evaluate(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      window.cache.flush();
    });
    const result = await ctx.page.evaluate(async () => {
      const { createFreshetPersister } = window.tanstack;
      const other = await window.freshetModule.createCache({ scope: 'bob' });
      const bob = createFreshetPersister(other);
      const seenByBob = await bob.restoreClient();
      const anon = createFreshetPersister(window.cache);
      const seenByAnon = await anon.restoreClient();
      await anon.removeClient();
      window.cache.flush();
      return {
        bob: seenByBob ?? null,
        anon: seenByAnon.clientState.queries.map((q) => q.queryKey[0]),
        after: (await anon.restoreClient()) ?? null,
        names: window.cache.recordNames(''),
      };
    });
    assert.equal(result.bob, null);
    assert.deepEqual(result.anon, ['/studio/api/chapters/s1c1']);
    assert.equal(result.after, null);
    assert.deepEqual(result.names, []);
  });
});
