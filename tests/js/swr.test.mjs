// freshet/swr in headless Chromium: a React page built with esbuild from the real `swr`,
// `react` and the built package, against the demo server.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundlePage } from './bundle.mjs';
import { requests, useBrowser } from './harness.mjs';

const CHAPTER = 'GET /studio/api/chapters/s1c1';

async function resetCounters(base) {
  await fetch(`${base}/__test/requests/reset`, { method: 'POST' });
}

/** The text the hook renders, once it is `expected`. */
async function shows(page, expected) {
  await page.waitForFunction((text) => document.getElementById('scene')?.textContent === text, expected, { timeout: 5000 });
  return page.evaluate(() => document.getElementById('scene').textContent);
}

describe('SWR provider', () => {
  const ctx = useBrowser();
  let path;
  before(async () => {
    path = await bundlePage('swr', 'swr-page.jsx');
  });

  it('serves a cached read after a reload from freshet storage, with no request', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    assert.equal(await shows(ctx.page, 'Scene 1'), 'Scene 1');
    assert.equal(await requests(ctx.url, CHAPTER), 1);
    await ctx.page.evaluate(() => window.cache.flush());
    await resetCounters(ctx.url);
    await ctx.page.reload();
    assert.equal(await shows(ctx.page, 'Scene 1'), 'Scene 1');
    const info = await ctx.page.evaluate(() => window.cache.inspect('/studio/api/chapters/s1c1'));
    assert.equal(info.cause, 'restored');
    assert.equal(await requests(ctx.url, CHAPTER), 0, 'SWR revalidated through freshet, which had it fresh');
  });

  it('shows fresh data after a mutation whose response headers invalidate the hook', async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    await shows(ctx.page, 'Scene 1');
    await resetCounters(ctx.url);
    // The PATCH goes to the scene; only its X-Cache-Invalidate-Keys header names the chapter.
    assert.equal(await ctx.page.evaluate(() => window.renameScene('Renamed by a save')), 200);
    assert.equal(await shows(ctx.page, 'Renamed by a save'), 'Renamed by a save');
    assert.equal(await requests(ctx.url, CHAPTER), 1, 'one refetch, shared by freshet and SWR');
  });

  it("keeps SWR's own mutate working, and hands its data to freshet", async () => {
    await ctx.page.goto(`${ctx.url}${path}`);
    await shows(ctx.page, 'Scene 1');
    await ctx.page.evaluate(() => {
      const current = window.cache.peek('/studio/api/chapters/s1c1');
      const scenes = [{ ...current.scenes[0], title: 'Set by SWR' }, ...current.scenes.slice(1)];
      return window.swrMutate('/studio/api/chapters/s1c1', { ...current, scenes }, { revalidate: false });
    });
    assert.equal(await shows(ctx.page, 'Set by SWR'), 'Set by SWR');
    const peeked = await ctx.page.evaluate(() => window.cache.peek('/studio/api/chapters/s1c1').scenes[0].title);
    assert.equal(peeked, 'Set by SWR');
    // freshet invalidating the key makes the hook show the server's data again.
    await ctx.page.evaluate(() => window.cache.invalidate('/studio/api/chapters/s1c1'));
    assert.equal(await shows(ctx.page, 'Scene 1'), 'Scene 1');
  });
});
