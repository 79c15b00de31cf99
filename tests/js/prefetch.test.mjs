// Prefetch in headless Chromium against the demo server: hover (delay, leave, touch), visible,
// idle, batch, declarative links, the governor (fresh / in flight / budget / concurrency /
// Save-Data / 2g), the predictor, the "prefetched" mark, and that cancelling leaves no listener.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const STORY = (id) => `/studio/api/stories/${id}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Creates `window.cache` with `options` and one 200×40 link per id, stacked at the top. */
async function setup(page, options = {}, ids = ['link']) {
  await page.evaluate(async ({ options, ids }) => {
    window.cache = await freshet.createCache({ storage: false, ...options });
    for (const id of ids) {
      const a = document.createElement('a');
      a.id = id;
      a.href = `#${id}`;
      a.textContent = id;
      a.style.cssText = 'display:block;width:200px;height:40px;margin:0';
      document.body.append(a);
    }
  }, { options, ids });
}

const stats = (page) => page.evaluate(() => cache.prefetchStats());

/** Waits until `check()` is true (polling), or fails after `ms`. */
async function until(check, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(25);
  }
}

/** freshet's listeners on the element `selector` names, by CDP (DOMDebugger.getEventListeners). */
async function listenersOn(ctx, selector) {
  const session = await ctx.context.newCDPSession(ctx.page);
  const { result } = await session.send('Runtime.evaluate', { expression: `window.__probe = document.querySelector(${JSON.stringify(selector)}) ?? window.__probe` });
  const { listeners } = await session.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
  await session.detach();
  return listeners.map((l) => l.type).sort();
}

describe('prefetch', () => {
  const ctx = useBrowser();

  it('hovering longer than the delay makes one request, and the navigation read then makes none', async () => {
    await setup(ctx.page);
    await ctx.page.evaluate((url) => { cache.prefetchOnHover(document.querySelector('#link'), url, { delay: 100 }); }, SCENE);
    await ctx.page.hover('#link');
    await until(async () => (await requests(ctx.url, `GET ${SCENE}`)) === 1);
    await sleep(200);
    const read = await ctx.page.evaluate(async (url) => {
      const before = cache.inspect(url).prefetched;
      const value = await cache.get(url);
      return { before, id: value.id, after: cache.inspect(url).prefetched };
    }, SCENE);
    assert.deepEqual(read, { before: true, id: 's1c1x1', after: false }, 'the mark is cleared by the first read');
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
    const s = await stats(ctx.page);
    assert.equal(s.issued, 1);
    assert.equal(s.completed, 1);
    assert.equal(s.used, 1, 'the read used the prefetched entry');
  });

  it('leaving before the delay makes no request', async () => {
    await setup(ctx.page);
    await ctx.page.evaluate((url) => { cache.prefetchOnHover(document.querySelector('#link'), url, { delay: 1000 }); }, SCENE);
    await ctx.page.hover('#link');
    await sleep(50);
    await ctx.page.mouse.move(600, 500);
    await sleep(1300);
    assert.equal(await requests(ctx.url), 0);
    assert.equal((await stats(ctx.page)).issued, 0);
  });

  it('keyboard focus counts as intent: resting past the delay prefetches, leaving sooner does not', async () => {
    await setup(ctx.page);
    await ctx.page.evaluate(([url, other]) => {
      const second = document.createElement('a');
      second.id = 'second';
      second.href = '#';
      second.textContent = 'second';
      document.body.append(second);
      cache.prefetchOnHover(document.querySelector('#link'), url, { delay: 100 });
      cache.prefetchOnHover(second, other, { delay: 1000 });
    }, [SCENE, '/studio/api/scenes/s1c1x2']);
    await ctx.page.focus('#second');
    await sleep(50);
    await ctx.page.focus('#link'); // blurs #second before its delay
    await until(async () => (await requests(ctx.url, `GET ${SCENE}`)) === 1);
    await sleep(1100);
    assert.equal(await requests(ctx.url, 'GET /studio/api/scenes/s1c1x2'), 0, 'focus left before the delay');
    assert.equal(await requests(ctx.url), 1);
  });

  it('touchstart counts as intent at once', async () => {
    await ctx.context.close();
    ctx.context = await ctx.browser.newContext({ hasTouch: true });
    ctx.page = await ctx.context.newPage();
    await ctx.page.goto(`${ctx.url}/tests/js/blank.html`);
    await ctx.page.evaluate(async () => { window.freshet = await import('/pkg/index.js'); });
    await setup(ctx.page);
    await ctx.page.evaluate((url) => {
      document.querySelector('#link').addEventListener('click', (e) => e.preventDefault());
      cache.prefetchOnHover(document.querySelector('#link'), url, { delay: 60_000 });
    }, SCENE);
    await ctx.page.tap('#link');
    await until(async () => (await requests(ctx.url, `GET ${SCENE}`)) === 1);
  });

  it('makes no request at all with Save-Data on (emulated by CDP)', async () => {
    const session = await ctx.context.newCDPSession(ctx.page);
    await session.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
    await setup(ctx.page);
    const saveData = await ctx.page.evaluate(() => navigator.connection.saveData);
    assert.equal(saveData, true);
    await ctx.page.evaluate(async (url) => {
      cache.prefetchOnHover(document.querySelector('#link'), url, { delay: 0 });
      cache.prefetchOnIdle([url]);
      await cache.preload(url);
      await cache.prefetchBatch([url, '/studio/api/stories']).done;
    }, SCENE);
    await ctx.page.hover('#link');
    await sleep(300);
    assert.equal(await requests(ctx.url), 0);
    const s = await stats(ctx.page);
    assert.equal(s.issued, 0);
    assert.ok(s.skipped.saveData >= 4, `skipped: ${JSON.stringify(s.skipped)}`);
    await session.detach();
  });

  it('makes no request on a 2g connection (emulated by CDP)', async () => {
    await setup(ctx.page); // first: loading the wasm module at 2g speed would take minutes
    const session = await ctx.context.newCDPSession(ctx.page);
    await session.send('Network.enable');
    await session.send('Network.emulateNetworkConditions', {
      offline: false, latency: 1500, downloadThroughput: 35_000 / 8, uploadThroughput: 20_000 / 8, connectionType: 'cellular2g',
    });
    assert.equal(await ctx.page.evaluate(() => navigator.connection.effectiveType), '2g');
    await ctx.page.evaluate((url) => cache.preload(url), SCENE);
    assert.equal(await requests(ctx.url), 0);
    assert.equal((await stats(ctx.page)).skipped.slowConnection, 1);
    await session.detach();
  });

  it('visible prefetch fires when the element comes into view, once', async () => {
    await setup(ctx.page);
    await ctx.page.evaluate((url) => {
      const el = document.querySelector('#link');
      el.style.marginTop = '3000px';
      cache.prefetchOnVisible(el, url);
    }, SCENE);
    await sleep(300);
    assert.equal(await requests(ctx.url), 0, 'not visible yet');
    await ctx.page.evaluate(() => document.querySelector('#link').scrollIntoView());
    await until(async () => (await requests(ctx.url, `GET ${SCENE}`)) === 1);
    // Fired once: the observer is gone, and scrolling again asks nothing.
    await ctx.page.evaluate(() => { scrollTo(0, 0); document.querySelector('#link').scrollIntoView(); });
    await sleep(200);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
    assert.equal((await stats(ctx.page)).triggers, 0);
  });

  it('idle prefetch fires (and falls back to a timer without requestIdleCallback)', async () => {
    await setup(ctx.page);
    await ctx.page.evaluate(({ a, b }) => { cache.prefetchOnIdle([a, b], { timeout: 1000 }); }, { a: STORY('s1'), b: STORY('s2') });
    await until(async () => (await requests(ctx.url, `GET ${STORY('s1')}`)) === 1 && (await requests(ctx.url, `GET ${STORY('s2')}`)) === 1);
    await ctx.page.evaluate(async (url) => {
      delete window.requestIdleCallback;
      delete Window.prototype.requestIdleCallback;
      window.cache2 = await freshet.createCache({ storage: false });
      cache2.prefetchOnIdle(url);
    }, STORY('s3'));
    await until(async () => (await requests(ctx.url, `GET ${STORY('s3')}`)) === 1);
  });

  it('a burst of 50 hover targets never exceeds the concurrency limit', async (t) => {
    const ids = Array.from({ length: 50 }, (_, i) => `t${i}`);
    await fault(ctx.url, { route: '/community/api/posts', delayMs: 150, count: 50 });
    await setup(ctx.page, { prefetch: { perMinute: 100 } }, ids);
    await ctx.page.evaluate((ids) => {
      window.openSeen = 0;
      for (const [i, id] of ids.entries()) {
        cache.prefetchOnHover(document.getElementById(id), `/community/api/posts?i=${i}`, { delay: 0 });
      }
      // Sample the governor's open requests on every frame.
      const sample = () => { window.openSeen = Math.max(window.openSeen, cache.prefetchStats().open); requestAnimationFrame(sample); };
      sample();
    }, ids);
    for (const id of ids) await ctx.page.hover(`#${id}`);
    await until(async () => (await stats(ctx.page)).completed === 50, 20_000);
    assert.equal(await requests(ctx.url, 'GET /community/api/posts'), 50);
    // What the browser itself saw: the most requests to the server overlapping at any moment.
    const overlap = await ctx.page.evaluate(() => {
      const spans = performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/community/api/posts'))
        .map((e) => [e.startTime, e.responseEnd]);
      let most = 0;
      for (const [start] of spans) most = Math.max(most, spans.filter(([s, end]) => s <= start && start < end).length);
      return { most, count: spans.length, openSeen: window.openSeen };
    });
    t.diagnostic(`${overlap.count} requests; at most ${overlap.most} overlapping (resource timing); governor's open peak ${overlap.openSeen}`);
    assert.equal(overlap.count, 50);
    assert.ok(overlap.most <= 2, `at most 2 at once, saw ${overlap.most}`);
    assert.ok(overlap.most === 2, 'the two slots were used');
    assert.ok(overlap.openSeen <= 2);
  });

  it('never prefetches a fresh entry or one in flight, and keeps to the per-minute budget', async () => {
    await fault(ctx.url, { route: '/studio/api/stories/s2', delayMs: 200 });
    await setup(ctx.page, { prefetch: { perMinute: 3 } });
    const s = await ctx.page.evaluate(async ({ scene, s2, more }) => {
      await cache.get(scene);
      await cache.preload(scene); // fresh
      const reading = cache.get(s2);
      await cache.preload(s2); // in flight
      await reading;
      await cache.preload(more); // three fit the budget, the rest do not
      return cache.prefetchStats();
    }, { scene: SCENE, s2: STORY('s2'), more: ['/studio/api/chapters/s1c1', '/studio/api/chapters/s1c2', '/studio/api/chapters/s1c3', '/studio/api/chapters/s1c4', '/studio/api/chapters/s1c5'] });
    assert.equal(s.skipped.fresh, 1);
    assert.equal(s.skipped.inFlight, 1);
    assert.equal(s.skipped.budget, 2);
    assert.equal(s.issued, 3);
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
    assert.equal(await requests(ctx.url, `GET ${STORY('s2')}`), 1);
    assert.equal(await requests(ctx.url), 5);
  });

  it('a read joining a prefetch in flight shares its request and counts it used', async () => {
    await fault(ctx.url, { route: SCENE, delayMs: 200 });
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async (url) => {
      const preloaded = cache.preload(url);
      const value = await cache.get(url);
      await preloaded;
      await cache.get(url);
      return { id: value.id, stats: cache.prefetchStats() };
    }, SCENE);
    assert.equal(result.id, 's1c1x1');
    assert.equal(await requests(ctx.url, `GET ${SCENE}`), 1);
    assert.equal(result.stats.used, 1);
  });

  it('prefetchBatch keeps to its concurrency, resolves done, and cancel drops what has not started', async () => {
    await fault(ctx.url, { route: '/studio/api/chapters/:id', delayMs: 100, count: 10 });
    await setup(ctx.page);
    const chapters = [1, 2, 3, 4, 5].map((c) => `/studio/api/chapters/s1c${c}`);
    const result = await ctx.page.evaluate(async (chapters) => {
      const batch = cache.prefetchBatch(chapters.slice(0, 3), { concurrency: 1 });
      await batch.done;
      const spans = performance.getEntriesByType('resource').filter((e) => e.name.includes('/chapters/'))
        .map((e) => [e.startTime, e.responseEnd]);
      const overlapping = spans.some(([s1, e1], i) => spans.some(([s2], j) => i !== j && s1 < s2 && s2 < e1));
      const second = cache.prefetchBatch(chapters.slice(3), { concurrency: 1 });
      second.cancel();
      await second.done;
      return { overlapping, stats: cache.prefetchStats() };
    }, chapters);
    assert.equal(result.overlapping, false);
    assert.equal(result.stats.completed, 4, 'three, then the one already started when cancelled');
    assert.equal(result.stats.skipped.cancelled, 1);
    assert.equal(await requests(ctx.url), 4);
  });

  it('errors are counted, never thrown into the page', async () => {
    await fault(ctx.url, { route: SCENE, status: 500 });
    await setup(ctx.page);
    const errors = [];
    ctx.page.on('pageerror', (e) => errors.push(e.message));
    const s = await ctx.page.evaluate(async (url) => {
      const unhandled = [];
      addEventListener('unhandledrejection', (e) => unhandled.push(String(e.reason)));
      await cache.preload(url);
      await cache.preload('/studio/api/bad key');
      const root = document.body;
      root.insertAdjacentHTML('beforeend', '<a id="bad" data-prefetch href="/x" style="display:block;height:30px">bad</a>');
      cache.prefetchLinks(root, { keys: () => { throw new Error('app bug'); }, delay: 0 });
      await new Promise((r) => setTimeout(r, 50));
      return { stats: cache.prefetchStats(), unhandled };
    }, SCENE);
    await ctx.page.hover('#bad');
    await sleep(100);
    const after = await stats(ctx.page);
    assert.equal(s.stats.failed, 1);
    assert.equal(after.skipped.invalid, 2, 'a bad URL and a throwing keys()');
    assert.deepEqual(s.unhandled, []);
    assert.deepEqual(errors, []);
  });

  it('prefetchLinks wires marked links, present and added later, by hover', async () => {
    await setup(ctx.page, {}, []);
    await ctx.page.evaluate(() => {
      const nav = document.createElement('nav');
      nav.innerHTML = '<a id="s1" data-prefetch href="/story/s1" style="display:block;height:30px"><b>one</b></a>'
        + '<a id="plain" href="/story/s3" style="display:block;height:30px">unmarked</a>';
      document.body.append(nav);
      window.stopLinks = cache.prefetchLinks(nav, {
        keys: (href) => [`/studio/api/stories/${new URL(href).pathname.split('/').pop()}`],
        delay: 50,
      });
      const later = document.createElement('a');
      later.id = 's2'; later.href = '/story/s2'; later.dataset.prefetch = ''; later.textContent = 'two';
      later.style.cssText = 'display:block;height:30px';
      nav.append(later);
    });
    // Each hover rests past the delay (leaving sooner would rightly cancel it); resting on a
    // child of the link counts as resting on the link.
    await ctx.page.hover('#s1 b');
    await until(async () => (await requests(ctx.url, `GET ${STORY('s1')}`)) === 1);
    await ctx.page.hover('#plain');
    await sleep(150);
    await ctx.page.hover('#s2');
    await until(async () => (await requests(ctx.url, `GET ${STORY('s2')}`)) === 1);
    assert.equal(await requests(ctx.url, `GET ${STORY('s3')}`), 0, 'unmarked links are left alone');
    assert.equal(await requests(ctx.url), 2);
    assert.deepEqual(await listenersOn(ctx, 'nav'), ['focusin', 'focusout', 'pointerout', 'pointerover', 'touchstart']);
    await ctx.page.evaluate(() => stopLinks());
    assert.deepEqual(await listenersOn(ctx, 'nav'), []);
  });

  it('prefetchLinks counts keyboard focus on a marked link as intent', async () => {
    await setup(ctx.page, {}, []);
    await ctx.page.evaluate(() => {
      const nav = document.createElement('nav');
      nav.innerHTML = '<a id="k1" data-prefetch href="/story/s1">one</a> <a id="k2" data-prefetch href="/story/s2">two</a>';
      document.body.append(nav);
      cache.prefetchLinks(nav, { keys: (href) => [`/studio/api/stories/${new URL(href).pathname.split('/').pop()}`], delay: 50 });
    });
    await ctx.page.focus('#k2');
    await until(async () => (await requests(ctx.url, `GET ${STORY('s2')}`)) === 1);
    assert.equal(await requests(ctx.url, `GET ${STORY('s1')}`), 0);
  });

  it('prefetchLinks by visibility observes links added later', async () => {
    await setup(ctx.page, {}, []);
    await ctx.page.evaluate(() => {
      const list = document.createElement('div');
      list.id = 'list';
      document.body.append(list);
      cache.prefetchLinks(list, { trigger: 'visible', keys: (href, el) => el.dataset.key });
      list.insertAdjacentHTML('beforeend', '<a data-prefetch data-key="/studio/api/stories/s1" href="#">near</a>');
      list.insertAdjacentHTML('beforeend', '<a id="far" data-prefetch data-key="/studio/api/stories/s2" href="#" style="display:block;margin-top:4000px">far</a>');
    });
    await until(async () => (await requests(ctx.url, `GET ${STORY('s1')}`)) === 1);
    await sleep(200);
    assert.equal(await requests(ctx.url, `GET ${STORY('s2')}`), 0);
    await ctx.page.evaluate(() => document.querySelector('#far').scrollIntoView());
    await until(async () => (await requests(ctx.url, `GET ${STORY('s2')}`)) === 1);
  });

  it('the predictor prefetches the route it has seen follow the current one most often', async () => {
    await ctx.page.evaluate(async () => {
      window.cache = await freshet.createCache({
        storage: false,
        prefetch: { predictions: 1, routeKeys: (route) => [`/studio/api/stories/${route.split('/').pop()}`] },
      });
      // One task: each navigation replaces the idle prediction of the one before.
      for (const route of ['/list', '/story/s1', '/list', '/story/s2', '/list', '/story/s2', '/list']) {
        cache.recordNavigation(route);
      }
    });
    await until(async () => (await requests(ctx.url, `GET ${STORY('s2')}`)) === 1);
    await sleep(200);
    assert.equal(await requests(ctx.url, `GET ${STORY('s1')}`), 0);
    assert.equal(await requests(ctx.url), 1);
  });

  it('cancelling removes every listener freshet added; so does removing the element', async () => {
    await setup(ctx.page, {}, ['link', 'gone']);
    await ctx.page.evaluate((url) => {
      window.stop = cache.prefetchOnHover(document.querySelector('#link'), url);
      cache.prefetchOnHover(document.querySelector('#gone'), url);
      cache.prefetchOnVisible(document.querySelector('#gone'), url, { rootMargin: '-5000px' });
    }, SCENE);
    assert.deepEqual(await listenersOn(ctx, '#link'), ['blur', 'focus', 'pointerenter', 'pointerleave', 'touchstart']);
    await ctx.page.evaluate(() => stop());
    assert.deepEqual(await listenersOn(ctx, '#link'), []);
    assert.equal((await stats(ctx.page)).triggers, 2);
    assert.deepEqual(await listenersOn(ctx, '#gone'), ['blur', 'focus', 'pointerenter', 'pointerleave', 'touchstart']);
    await ctx.page.evaluate(() => document.querySelector('#gone').remove());
    await sleep(50);
    // The probe still holds the detached element.
    assert.deepEqual(await listenersOn(ctx, '#does-not-exist'), []);
    assert.equal((await stats(ctx.page)).triggers, 0);
    // Calling the cancel function again is harmless; destroy removes whatever is left.
    await ctx.page.evaluate(() => stop());
    await ctx.page.evaluate((url) => { cache.prefetchOnHover(document.querySelector('#link'), url); cache.destroy(); }, SCENE);
    assert.deepEqual(await listenersOn(ctx, '#link'), []);
  });
});
