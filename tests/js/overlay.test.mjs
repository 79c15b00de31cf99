// The debug overlay: a separate entry point the core package never imports, and on the demo page
// (the dev build) in headless Chromium: both shortcuts open and close their view, the numbers
// shown equal `stats()`, entries say why they are stale, keyboard use works, the host page's
// styles stay out, and a screenshot of each view is written to test-results/ for review.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser } from './harness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG = join(ROOT, 'pkg');
const RESULTS = join(ROOT, 'test-results');

/** `file` and every module it imports statically or dynamically by a relative path. */
async function moduleGraph(file, seen = new Map()) {
  if (seen.has(file)) return seen;
  const text = await readFile(file, 'utf8');
  seen.set(file, text);
  const specifiers = [...text.matchAll(/(?:from\s*|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  for (const specifier of specifiers) {
    if (specifier.endsWith('.js')) await moduleGraph(join(dirname(file), specifier), seen);
  }
  return seen;
}

/** The tiles of an open view as `{ stat: value }` (`data-value` is the raw figure). */
function tiles(page, view) {
  return page.locator(`#freshet-overlay [data-view=${view}] [data-stat]`).evaluateAll((nodes) =>
    Object.fromEntries(nodes.map((n) => [n.dataset.stat, n.dataset.value === 'null' ? null : Number(n.dataset.value)])));
}

const pick = (stats, path) => path.split('.').reduce((v, k) => v[k], stats);

describe('debug overlay', () => {
  const ctx = useBrowser();

  it('is not part of the core entry point', async () => {
    const graph = await moduleGraph(join(PKG, 'index.js'));
    assert.ok(graph.size >= 2, 'index.js imports the wasm glue');
    for (const [file, text] of graph) {
      for (const marker of ['installOverlay', 'freshet-overlay', 'attachShadow', 'overlay.js']) {
        assert.ok(!text.includes(marker), `${file} contains ${marker}`);
      }
    }
    const overlay = await readFile(join(PKG, 'overlay.js'), 'utf8');
    assert.ok(overlay.includes('export function installOverlay'));
    const pkg = JSON.parse(await readFile(join(PKG, 'package.json'), 'utf8'));
    assert.equal(pkg.exports['./overlay'].default, './overlay.js');
    assert.ok(pkg.files.includes('overlay.js'));
  });

  it('opens and closes with its shortcuts on the demo page and shows what stats() says', async () => {
    const { page } = ctx;
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${ctx.url}/#/studio`);
    for (const [story, where] of [['s1', 'network'], ['s2', 'network'], ['s1', 'memory']]) {
      await page.evaluate((hash) => { location.hash = hash; }, `#/studio/${story}`);
      await page.locator(`#log .${where}`, { hasText: `/studio/api/stories/${story}` }).waitFor();
    }
    // Off to a page whose successor the demo's predictor has not seen: on s1 it would prefetch
    // s2 at idle (s2 followed s1 once) and so refresh s2 before the panel shows it invalidated.
    await page.evaluate(() => { location.hash = '#/community'; });
    await page.locator('#log .network', { hasText: '/community/api/posts' }).waitFor();
    await page.evaluate(() => window.freshetCache.invalidate('/studio/api/stories/s2'));

    const panel = page.locator('#freshet-overlay [data-view=panel]');
    const dashboard = page.locator('#freshet-overlay [data-view=dashboard]');
    assert.equal(await panel.isVisible(), false);
    await page.keyboard.press('Control+Shift+D');
    await panel.waitFor({ state: 'visible' });
    const shown = await tiles(page, 'panel');
    const stats = await page.evaluate(() => window.freshetCache.stats());
    assert.ok(stats.reads >= 3);
    for (const [path, value] of Object.entries(shown)) assert.equal(value, pick(stats, path), path);
    // Entries with page type, state, and why one is not fresh.
    const row = panel.locator('tr[data-key="/studio/api/stories/s2"]');
    assert.match(await row.innerText(), /writing\s+invalidated[\s\S]*invalidated by the app/);
    const stale = panel.locator('tr[data-key="/studio/api/stories/s1"]');
    assert.match(await stale.innerText(), /writing\s+stale[\s\S]*its page type revalidates on every read/);
    assert.ok(await panel.locator('td', { hasText: 'invalidate' }).count() >= 1, 'recent events list the invalidation');
    // Keyboard: focus is in the panel; Escape closes it and gives focus back.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'freshet-overlay');
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'overlay-panel.png') });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await page.keyboard.press('Control+Shift+D');
    await panel.waitFor({ state: 'visible' });
    await page.keyboard.press('Control+Shift+D');
    await panel.waitFor({ state: 'hidden' });

    await page.keyboard.press('Control+Shift+M');
    await dashboard.waitFor({ state: 'visible' });
    const charted = await tiles(page, 'dashboard');
    const windowed = await page.evaluate(() => window.freshetCache.stats(300_000));
    for (const [path, value] of Object.entries(charted)) assert.equal(value, pick(windowed, path), path);
    assert.equal(await dashboard.locator('canvas').count(), 2);
    // Grouping by event kind redraws; the range selector offers the four ranges.
    await dashboard.locator('select').nth(1).selectOption('event');
    assert.equal(await dashboard.locator('canvas').nth(1).getAttribute('aria-label'), 'counts by event');
    assert.equal(await dashboard.locator('select').first().locator('option').count(), 4);
    await page.screenshot({ path: join(RESULTS, 'overlay-dashboard.png') });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dashboard.locator('[data-action=export-json]').click(),
    ]);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(exported.stats.reads, stats.reads);
    await page.keyboard.press('Control+Shift+M');
    await dashboard.waitFor({ state: 'hidden' });
  });

  it('says so when its cache is freed under it, without throwing into the page', async () => {
    const errors = [];
    ctx.page.on('pageerror', (e) => errors.push(e.message));
    const result = await ctx.page.evaluate(async () => {
      const { installOverlay } = await import('/pkg/overlay.js');
      const cache = await freshet.createCache({ storage: false });
      const overlay = installOverlay(cache, { refreshMs: 20 });
      overlay.open('dashboard');
      cache.free();
      await new Promise((r) => setTimeout(r, 120));
      const view = document.getElementById('freshet-overlay').shadowRoot.querySelector('[data-view=dashboard]');
      const shown = view.querySelector('[data-error]');
      const answer = { code: shown?.dataset.error, text: shown?.textContent, hidden: view.hidden };
      overlay.destroy();
      return answer;
    });
    assert.deepEqual(result, { code: 'DESTROYED', text: 'The cache cannot be read: the cache was freed', hidden: false });
    assert.deepEqual(errors, []);
  });

  it('keeps the host page and the overlay apart', async () => {
    const result = await ctx.page.evaluate(async () => {
      const style = document.createElement('style');
      style.textContent = 'body { color: rgb(255, 0, 0) !important; font-size: 40px !important; } button { background: rgb(0, 255, 0) !important; }';
      document.head.append(style);
      const before = new Set(Object.keys(window));
      const { installOverlay } = await import('/pkg/overlay.js');
      const cache = await freshet.createCache({ storage: false });
      const overlay = installOverlay(cache);
      overlay.open('panel');
      const root = document.getElementById('freshet-overlay').shadowRoot;
      const button = root.querySelector('button');
      // Read now: computed styles are live and empty once the overlay is gone.
      const background = getComputedStyle(button).backgroundColor;
      const { color, fontSize } = getComputedStyle(root.querySelector('[data-view=panel]'));
      const leaked = Object.keys(window).filter((k) => !before.has(k));
      const pageButton = document.createElement('button');
      document.body.append(pageButton);
      const pageBackground = getComputedStyle(pageButton).backgroundColor;
      overlay.destroy();
      return {
        color, fontSize, background, leaked, pageBackground,
        removed: document.getElementById('freshet-overlay') === null,
      };
    });
    assert.notEqual(result.color, 'rgb(255, 0, 0)');
    assert.equal(result.fontSize, '12px');
    assert.notEqual(result.background, 'rgb(0, 255, 0)');
    assert.equal(result.pageBackground, 'rgb(0, 255, 0)');
    assert.deepEqual(result.leaked, []);
    assert.equal(result.removed, true);
  });
});
