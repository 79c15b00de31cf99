// Metrics in headless Chromium against the demo server: counts and rates of scripted reads and
// invalidations (memo hits included), request outcomes, the storage tier, alerts with hysteresis
// and acknowledgement, exports that parse back, the periodic report, and metrics switched off.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, requests, useBrowser } from './harness.mjs';

const A = '/studio/api/scenes/s1c1x1';
// Rates come to 6 decimals (the wasm formats numbers without a float formatter).
const r6 = (v) => Math.round(v * 1e6) / 1e6;
const B = '/studio/api/scenes/s1c1x2';

describe('metrics', () => {
  const ctx = useBrowser();

  it('counts a scripted sequence of reads and invalidations', async () => {
    const result = await ctx.page.evaluate(async ([a, b]) => {
      const cache = await freshet.createCache({ storage: false });
      await cache.get(a); // miss, request
      for (let i = 0; i < 4; i++) await cache.get(a); // hits (the JS memo answers most)
      for (let i = 0; i < 5; i++) cache.peek(a); // hits
      await cache.get(b); // miss, request
      cache.invalidate(a); // invalidation 1
      await cache.get(a); // miss, request
      cache.invalidateTags(['scene:nope']); // invalidation 2
      cache.peek('/studio/api/scenes/none'); // miss, nothing fetched
      return { stats: cache.stats(), windowed: cache.stats(60_000), events: cache.events() };
    }, [A, B]);
    const { stats, events } = result;
    assert.equal(stats.reads, 13);
    assert.equal(stats.hits, 9);
    assert.equal(stats.misses, 4);
    assert.equal(stats.hitRate, r6(9 / 13));
    assert.deepEqual(stats.tiers.memory, { hits: 9, misses: 4, hitRate: r6(9 / 13) });
    assert.equal(stats.requests, 3);
    assert.equal(stats.tiers.network.hits, 3);
    assert.equal(stats.invalidations, 2);
    assert.equal(stats.invalidationRate, r6(2 / 13));
    assert.equal(stats.errors, 0);
    assert.equal(stats.errorRate, 0);
    assert.equal(stats.latency.samples, 3);
    assert.ok(stats.latency.p50 >= 0 && stats.latency.p99 >= stats.latency.p50);
    // Every recent read falls in a one-minute window too.
    assert.equal(result.windowed.reads, 13);
    assert.equal(result.windowed.windowMs, 60_000);
    const invalidations = events.filter((e) => e.kind === 'invalidate');
    assert.deepEqual(invalidations.map((e) => [e.key, e.cause]), [[A, 'api'], ['tag:scene:nope', 'api']]);
    const sets = events.filter((e) => e.kind === 'set' && e.tier === 'network');
    assert.deepEqual(sets.map((e) => e.key), [A, B, A]);
  });

  it('records errors, deduplicated reads and header invalidations with their source', async () => {
    await fault(ctx.url, { route: B, status: 500, count: 1 });
    await fault(ctx.url, { route: A, delayMs: 100 });
    const result = await ctx.page.evaluate(async ([a, b]) => {
      const cache = await freshet.createCache({ storage: false });
      await Promise.all([cache.get(a), cache.get(a), cache.get(a)]);
      await cache.get(b).catch(() => {});
      await cache.fetch(a, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"text":"x"}' });
      return { stats: cache.stats(), events: cache.events() };
    }, [A, B]);
    assert.equal(result.stats.deduplicated, 2);
    assert.equal(result.stats.errors, 1);
    const error = result.events.find((e) => e.kind === 'error');
    assert.deepEqual([error.key, error.tier, error.cause], [B, 'network', 'status 500']);
    const fromHeader = result.events.filter((e) => e.kind === 'invalidate' && e.cause === 'header');
    assert.ok(fromHeader.length > 0);
    assert.match(fromHeader[0].detail, /X-Cache-Invalidate/);
  });

  it('counts storage hits when memory misses after a reload', async () => {
    const stats = await ctx.page.evaluate(async (a) => {
      localStorage.clear();
      const first = await freshet.createCache({ crossTab: false });
      await first.get(a);
      first.flush();
      first.destroy();
      const second = await freshet.createCache({ crossTab: false });
      await second.get(a);
      await second.get('/studio/api/scenes/s1c1x2');
      return second.stats();
    }, A);
    assert.deepEqual(stats.tiers.storage, { hits: 1, misses: 1, hitRate: 0.5 });
    assert.equal(stats.hits, 1);
    assert.equal(stats.misses, 1);
    assert.ok(stats.storageBytes > 0);
  });

  it('raises alerts, holds them inside the hysteresis band, clears them and takes acknowledgements', async () => {
    const result = await ctx.page.evaluate(async () => {
      const heard = [];
      const cache = await freshet.createCache({
        storage: false,
        metrics: { minSamples: 10, onAlert: (alert) => heard.push([alert.level, alert.active]) },
      });
      const steps = [];
      const step = (name) => steps.push([name, cache.alerts().map((a) => [a.metric, a.level, a.acknowledged])]);
      for (let i = 0; i < 10; i++) cache.peek(`/studio/api/scenes/missing${i}`);
      step('10 misses');
      cache.set('/studio/api/scenes/here', { text: 'here' });
      const hits = (n) => { for (let i = 0; i < n; i++) cache.peek('/studio/api/scenes/here'); };
      hits(12);
      step('12/22 hits');
      hits(1);
      step('13/23 hits');
      const id = cache.alerts()[0].id;
      const acknowledged = cache.acknowledgeAlert(id);
      const unknown = cache.acknowledgeAlert(id + 1000);
      hits(12);
      step('25/35 hits');
      hits(6);
      step('31/41 hits');
      return { steps, heard, acknowledged, unknown };
    });
    assert.deepEqual(result.steps, [
      ['10 misses', [['hitRate', 'critical', false]]],
      ['12/22 hits', [['hitRate', 'critical', false]]], // 54.5 %: inside the 50–55 % band
      ['13/23 hits', [['hitRate', 'warning', false]]], // 56.5 %: eased to warning
      ['25/35 hits', [['hitRate', 'warning', true]]], // 71.4 %: inside the 70–75 % band
      ['31/41 hits', []], // 75.6 %: cleared
    ]);
    assert.deepEqual(result.heard, [['critical', true], ['warning', true], ['info', false]]);
    assert.equal(result.acknowledged, true);
    assert.equal(result.unknown, false);
  });

  it('exports events and stats as JSON and CSV that parse back', async () => {
    const result = await ctx.page.evaluate(async (a) => {
      const cache = await freshet.createCache({ storage: false });
      await cache.get(a);
      cache.peek(a);
      cache.invalidate(a);
      return { json: cache.exportMetrics('json'), csv: cache.exportMetrics('csv'), stats: cache.stats(), events: cache.events() };
    }, A);
    const json = JSON.parse(result.json);
    assert.deepEqual(json.events, result.events);
    assert.equal(json.stats.reads, result.stats.reads);
    assert.equal(json.stats.hitRate, result.stats.hitRate);
    assert.deepEqual(json.alerts, []);
    const [eventTable, statTable] = result.csv.trim().split('\n\n');
    const rows = eventTable.split('\n').map((line) => line.split(','));
    assert.deepEqual(rows[0], ['at', 'kind', 'tier', 'key', 'durationMs', 'cause', 'detail']);
    assert.deepEqual(rows.slice(1).map((r) => [Number(r[0]), r[1], r[2], r[3]]),
      result.events.map((e) => [e.at, e.kind, e.tier, e.key]));
    const table = Object.fromEntries(statTable.split('\n').slice(1).map((line) => line.split(',')));
    assert.equal(Number(table.reads), result.stats.reads);
    assert.equal(Number(table.hitRate), result.stats.hitRate);
    assert.equal(Number(table.invalidations), 1);
  });

  it('sends a periodic report with sendBeacon', async () => {
    const report = '/community/api/metrics-report';
    await ctx.page.evaluate(async (url) => {
      const cache = await freshet.createCache({ storage: false, metrics: { report: { url, intervalMs: 1000 } } });
      cache.peek('/studio/api/scenes/x');
      window.reporting = cache;
    }, report);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    assert.ok(await requests(ctx.url, `POST ${report}`) >= 1);
    await ctx.page.evaluate(() => window.reporting.destroy());
  });

  it('records evictions by the memory bound and rolled-back mutations', async () => {
    await fault(ctx.url, { route: '/community/api/posts/p1/like', method: 'POST', status: 500, count: 1 });
    const result = await ctx.page.evaluate(async () => {
      const cache = await freshet.createCache({ storage: false, maxEntries: 4 });
      for (let i = 0; i < 6; i++) cache.set(`/studio/api/scenes/k${i}`, { i });
      await cache.get('/community/api/posts/p1');
      await cache.mutate('/community/api/posts/p1', {
        optimisticData: (post) => ({ ...post, liked: !post.liked }),
        request: { url: '/community/api/posts/p1/like', method: 'POST' },
        throwOnError: false,
      });
      const events = cache.events();
      return {
        evicted: events.filter((e) => e.kind === 'evict').map((e) => [e.key, e.cause]),
        rollbacks: events.filter((e) => e.kind === 'rollback').map((e) => [e.key, e.cause]),
        stats: cache.stats(),
      };
    });
    assert.ok(result.evicted.length >= 1);
    assert.deepEqual(result.evicted[0], ['/studio/api/scenes/k0', 'size']);
    assert.equal(result.stats.evictions, result.evicted.length);
    assert.deepEqual(result.rollbacks, [['/community/api/posts/p1', 'mutation']]);
    assert.equal(result.stats.rollbacks, 1);
  });

  it('records nothing when switched off, and clearMetrics starts over', async () => {
    const result = await ctx.page.evaluate(async (a) => {
      const off = await freshet.createCache({ storage: false, metrics: false });
      await off.get(a);
      off.peek(a);
      const on = await freshet.createCache({ storage: false, metrics: { enabled: true } });
      await on.get(a);
      on.peek(a);
      const before = on.stats().reads;
      on.clearMetrics();
      return { off: [off.stats().reads, off.events().length], before, after: [on.stats().reads, on.events().length] };
    }, A);
    assert.deepEqual(result.off, [0, 0]);
    assert.equal(result.before, 2);
    assert.deepEqual(result.after, [0, 0]);
  });

  it('counts prefetches and how many of them the app used', async () => {
    const result = await ctx.page.evaluate(async ([a, b]) => {
      const cache = await freshet.createCache({ storage: false });
      await cache.preload(a);
      await cache.preload(b);
      const before = cache.stats();
      await cache.get(a); // the first read of prefetched data: used
      await cache.get(a); // later reads are plain hits
      cache.peek(a);
      const after = cache.stats();
      return {
        before: { prefetched: before.prefetched, used: before.prefetchUsed },
        after: { prefetched: after.prefetched, used: after.prefetchUsed, rate: after.prefetchUseRate },
        kinds: cache.events().map((e) => e.kind).filter((k) => k.startsWith('prefetch')),
      };
    }, [A, B]);
    assert.deepEqual(result.before, { prefetched: 2, used: 0 });
    assert.deepEqual(result.after, { prefetched: 2, used: 1, rate: 0.5 });
    assert.deepEqual(result.kinds, ['prefetch', 'prefetch', 'prefetchUsed']);
  });
});
