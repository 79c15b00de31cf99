// The demo page: the second read of a story is served from memory, with no second request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requests, useBrowser } from './harness.mjs';

describe('demo page', () => {
  const ctx = useBrowser();

  it('reads a story from the network once, then from memory', async () => {
    const { page } = ctx;
    await page.goto(`${ctx.url}/`);
    await page.locator('a[data-story="s1"]').click();
    await page.locator('#log .network', { hasText: '/studio/api/stories/s1' }).waitFor();
    await page.locator('header nav a[data-section="studio"]').click();
    await page.locator('body[data-rendered="/studio"]').waitFor();
    await page.locator('a[data-story="s1"]').click();
    await page.locator('#log .memory', { hasText: '/studio/api/stories/s1' }).waitFor();
    assert.equal(await requests(ctx.url, 'GET /studio/api/stories/s1'), 1);
    assert.equal(await page.locator('#outline > li').count(), 5);
  });

  it('every view renders without an error', async () => {
    const errors = [];
    ctx.page.on('pageerror', (e) => errors.push(e.message));
    for (const path of ['/studio', '/studio/s1', '/studio/s1/scene/s1c1x1', '/read', '/read/s2', '/community', '/community/p3']) {
      await ctx.page.goto(`${ctx.url}/#${path}`);
      await ctx.page.locator(`body[data-rendered="${path}"]`).waitFor();
      assert.equal(await ctx.page.locator('#error').isVisible(), false, path);
      assert.ok((await ctx.page.locator('#view h1').count()) >= 1, `${path} has a heading`);
    }
    assert.deepEqual(errors, []);
  });
});
