// The demo page: the second read of a story is served from memory, with no second request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requests, useBrowser } from './harness.mjs';

describe('demo page', () => {
  const ctx = useBrowser();

  it('reads a story from the network once, then from memory', async () => {
    const { page } = ctx;
    await page.goto(`${ctx.url}/`);
    await page.locator('button[data-story="s1"]').click();
    await page.locator('#log .network', { hasText: '/studio/api/stories/s1' }).waitFor();
    await page.locator('button[data-story="s1"]').click();
    await page.locator('#log .memory', { hasText: '/studio/api/stories/s1' }).waitFor();
    assert.equal(await requests(ctx.url, 'GET /studio/api/stories/s1'), 1);
    assert.ok((await page.locator('#outline li').count()) === 5);
  });
});
