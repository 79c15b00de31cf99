// The reference app's scenarios (SPEC §12, issue 8), end to end: the demo pages in headless
// Chromium against the demo server, driven the way a user drives them (clicks, typing,
// navigation, reloads). Each scenario names its number in the issue.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const POST = '/community/api/posts/p2';
const LIKE = `${POST}/like`;

/** Opens the demo at `hash` (a full page load) and waits until the view has rendered. */
async function open(ctx, hash, page = ctx.page) {
  await page.goto(`${ctx.url}/${hash}`);
  await rendered(page, hash);
}

/** Navigates inside the app (no reload), as a click on a link would. */
async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await rendered(page, hash);
}

const rendered = (page, hash) => page.locator(`body[data-rendered="${hash.replace(/^#/, '')}"]`).waitFor();

async function reload(page, hash) {
  await page.reload();
  await rendered(page, hash);
}

/** Polls `check` (in Node) until it is true; fails after `ms`. */
async function until(check, what, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** What the server holds now (read from Node, not through the page). */
const server = async (ctx, path) => (await fetch(`${ctx.url}${path}`)).json();

/** The like button of the post page, as the user sees it. */
async function likeState(page) {
  const button = page.locator('article button.like');
  return { liked: (await button.getAttribute('aria-pressed')) === 'true', likeCount: Number(await button.getAttribute('data-count')) };
}

/** Waits until no mutation of `url` is pending in the page. */
const settled = (page, url) => page.waitForFunction((u) => window.freshetCache.pendingMutations(u) === 0, url, { polling: 20 });

async function saveScene(page, text) {
  await page.locator('#scene-text').fill(text);
  await page.locator('#save').click();
  await page.locator('#save-status', { hasText: /^Saved$/ }).waitFor();
}

describe('reference app scenarios', () => {
  const ctx = useBrowser();

  it('1. edit a scene, save, reload: the editor shows the saved text, from both tiers', async () => {
    const hash = '#/studio/s1/scene/s1c1x1';
    await open(ctx, hash);
    await saveScene(ctx.page, 'The keeper finally writes it down.');
    await reload(ctx.page, hash);
    assert.equal(await ctx.page.locator('#scene-text').inputValue(), 'The keeper finally writes it down.');
    const tiers = await ctx.page.evaluate((url) => ({
      memory: window.freshetCache.peek(url)?.text,
      stored: Object.keys(localStorage).filter((k) => k.startsWith('freshet:') && k.endsWith(url)).map((k) => localStorage.getItem(k)),
    }), SCENE);
    assert.equal(tiers.memory, 'The keeper finally writes it down.');
    assert.equal(tiers.stored.length, 1, 'one persisted record of the scene');
    assert.match(tiers.stored[0], /The keeper finally writes it down\./);
    assert.equal((await server(ctx, SCENE)).text, 'The keeper finally writes it down.');
  });

  it('2. delete a scene, reload: it is gone from the outline', async () => {
    await open(ctx, '#/studio/s1/scene/s1c1x2');
    await ctx.page.locator('#delete').click();
    await rendered(ctx.page, '#/studio/s1');
    assert.equal(await ctx.page.locator('li[data-scene="s1c1x2"]').count(), 0);
    // And from the outline itself (an optimistic delete).
    await ctx.page.locator('li[data-scene="s1c2x3"] button.delete').click();
    await settled(ctx.page, '/studio/api/stories/s1');
    await reload(ctx.page, '#/studio/s1');
    assert.equal(await ctx.page.locator('li[data-scene="s1c1x2"]').count(), 0);
    assert.equal(await ctx.page.locator('li[data-scene="s1c2x3"]').count(), 0);
    assert.equal(await ctx.page.locator('li[data-scene]').count(), 13);
    const outline = await server(ctx, '/studio/api/stories/s1');
    assert.equal(outline.chapters.flatMap((c) => c.scenes).length, 13);
  });

  it('3. chapter and story title edits reach the reader view on its next visit, without a reload', async () => {
    await open(ctx, '#/read/s1');
    assert.equal(await ctx.page.locator('#story-title').innerText(), 'The Lighthouse Keeper');
    await go(ctx.page, '#/studio/s1');
    await ctx.page.locator('#chapter-s1c1').fill('Chapter 1: Fog');
    await ctx.page.locator('#save-chapter-s1c1').click();
    await ctx.page.locator('#outline-status', { hasText: 'Saved title of chapter 1' }).waitFor();
    await ctx.page.locator('#title').fill('The Last Lighthouse Keeper');
    await ctx.page.locator('#save-title').click();
    await ctx.page.locator('#outline-status', { hasText: 'Saved story title' }).waitFor();
    const before = await requests(ctx.url, 'GET /novels/api/stories/s1');
    await go(ctx.page, '#/read/s1');
    assert.equal(await ctx.page.locator('#story-title').innerText(), 'The Last Lighthouse Keeper');
    assert.equal(await ctx.page.locator('section[data-chapter="s1c1"] h2').innerText(), 'Chapter 1: Fog');
    assert.equal(await requests(ctx.url, 'GET /novels/api/stories/s1'), before + 1, 'refetched once, not served stale');
  });

  it('4. like a post, navigate away and back: liked, count + 1; like again: unliked, count back', async () => {
    const start = await server(ctx, POST);
    await open(ctx, '#/community/p2');
    assert.deepEqual(await likeState(ctx.page), { liked: start.liked, likeCount: start.likeCount });
    await ctx.page.locator('article button.like').click();
    await settled(ctx.page, POST);
    await go(ctx.page, '#/community');
    const feedButton = ctx.page.locator('li[data-post="p2"] button.like');
    assert.equal(await feedButton.getAttribute('aria-pressed'), String(!start.liked));
    await go(ctx.page, '#/community/p2');
    assert.deepEqual(await likeState(ctx.page), { liked: !start.liked, likeCount: start.likeCount + 1 });
    await ctx.page.locator('article button.like').click();
    await settled(ctx.page, POST);
    assert.deepEqual(await likeState(ctx.page), { liked: start.liked, likeCount: start.likeCount });
    const end = await server(ctx, POST);
    assert.deepEqual({ liked: end.liked, likeCount: end.likeCount }, { liked: start.liked, likeCount: start.likeCount });
  });

  it('5. a like the server fails: shown at once, rolled back to the server state, error visible', async () => {
    const start = await server(ctx, POST);
    await open(ctx, '#/community/p2');
    await fault(ctx.url, { route: LIKE, method: 'POST', status: 500, delayMs: 300 });
    await ctx.page.locator('article button.like').click();
    assert.deepEqual(await likeState(ctx.page), { liked: !start.liked, likeCount: start.likeCount + 1 }, 'optimistic');
    await ctx.page.locator('#error', { hasText: '500' }).waitFor();
    await settled(ctx.page, POST);
    assert.deepEqual(await likeState(ctx.page), { liked: start.liked, likeCount: start.likeCount }, 'rolled back');
    const end = await server(ctx, POST);
    assert.deepEqual({ liked: end.liked, likeCount: end.likeCount }, { liked: start.liked, likeCount: start.likeCount });
  });

  it('6. like, unlike, like in quick succession with the middle request failing ends at the server state', async () => {
    await open(ctx, '#/community/p2');
    // Requests of one post's likes are serial: the first is held, the second fails, the third passes.
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 200 });
    await fault(ctx.url, { route: LIKE, method: 'POST', status: 500 });
    const button = ctx.page.locator('article button.like');
    for (let i = 0; i < 3; i++) await button.click();
    await settled(ctx.page, POST);
    await ctx.page.locator('#error', { hasText: '500' }).waitFor();
    const end = await server(ctx, POST);
    assert.equal(await requests(ctx.url, `POST ${LIKE}`), 3);
    await ctx.page.waitForFunction(
      ([liked, count]) => {
        const b = document.querySelector('article button.like');
        return b?.getAttribute('aria-pressed') === String(liked) && b?.dataset.count === String(count);
      },
      [end.liked, end.likeCount],
      { polling: 20 },
    );
    const peeked = await ctx.page.evaluate((url) => window.freshetCache.peek(url), POST);
    assert.deepEqual({ liked: peeked.liked, likeCount: peeked.likeCount }, { liked: end.liked, likeCount: end.likeCount });
  });

  it('7. two pages of one browser: a save in one is what the other shows next, with no stale read between', async () => {
    const hash = '#/studio/s1/scene/s1c1x1';
    const other = await ctx.context.newPage();
    await open(ctx, hash);
    await open(ctx, hash, other);
    await go(other, '#/studio/s1');
    await saveScene(ctx.page, 'Written in the first tab.');
    // From the save on, the other tab never has the old text to show.
    await other.waitForFunction((url) => window.freshetCache.peek(url)?.text !== 'Story 1, chapter 1, scene 1: the light turns on the stairs. Nothing has changed, and yet everything has.', SCENE, { polling: 20 });
    const peeked = await other.evaluate((url) => window.freshetCache.peek(url)?.text ?? null, SCENE);
    assert.ok(peeked === null || peeked === 'Written in the first tab.', `other tab holds ${peeked}`);
    await go(other, hash);
    assert.equal(await other.locator('#scene-text').inputValue(), 'Written in the first tab.');
    await other.close();
  });

  it('8. hover a story link past the delay, then open it: its data comes from the cache', async () => {
    await open(ctx, '#/studio');
    await ctx.page.locator('a[data-story="s2"]').hover();
    await until(async () => (await requests(ctx.url, 'GET /studio/api/stories/s2')) === 1, 'the hover prefetched s2');
    await ctx.page.locator('a[data-story="s2"]').click();
    await rendered(ctx.page, '#/studio/s2');
    assert.equal(await ctx.page.locator('#story-title').innerText(), 'Glass Orchard');
    assert.equal(await requests(ctx.url, 'GET /studio/api/stories/s2'), 1, 'no request at navigation');
  });

  it('9. a slow GET of a scene that started before its save and ends after it: the page shows the saved text', async () => {
    const hash = '#/studio/s1/scene/s1c1x1';
    await open(ctx, hash);
    await go(ctx.page, '#/studio/s1');
    // Past the deduping window (2 s), the next view revalidates in the background.
    await new Promise((done) => setTimeout(done, 2_100));
    await fault(ctx.url, { route: SCENE, method: 'GET', holdMs: 800 });
    await go(ctx.page, hash);
    await until(async () => (await requests(ctx.url, `GET ${SCENE}`)) === 2, 'the revalidation reached the server');
    await saveScene(ctx.page, 'Saved while an old read was on its way.');
    await new Promise((done) => setTimeout(done, 1_000)); // the held read has landed by now
    assert.equal(await ctx.page.locator('#scene-text').inputValue(), 'Saved while an old read was on its way.');
    assert.equal(await ctx.page.evaluate((url) => window.freshetCache.peek(url)?.text, SCENE), 'Saved while an old read was on its way.');
    await reload(ctx.page, hash);
    assert.equal(await ctx.page.locator('#scene-text').inputValue(), 'Saved while an old read was on its way.');
  });

  it('10. in the dev build, Ctrl+Shift+D opens the overlay and it lists the entries the page has read', async () => {
    await open(ctx, '#/studio/s1');
    await go(ctx.page, '#/read/s2');
    await go(ctx.page, '#/community/p1');
    const panel = ctx.page.locator('#freshet-overlay [data-view=panel]');
    assert.equal(await panel.isVisible(), false);
    await ctx.page.keyboard.press('Control+Shift+D');
    await panel.waitFor({ state: 'visible' });
    const read = ['/studio/api/stories/s1', '/novels/api/stories/s2', '/community/api/posts/p1'];
    for (const key of read) {
      const row = panel.locator(`tr[data-key="${key}"]`);
      assert.equal(await row.count(), 1, `${key} is listed`);
    }
    const listed = await panel.locator('tr[data-key]').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.deepEqual(listed.sort(), (await ctx.page.evaluate(() => window.freshetCache.keys())).sort(), 'exactly the cache\'s entries');
    await ctx.page.keyboard.press('Control+Shift+D');
    await panel.waitFor({ state: 'hidden' });
  });
});
