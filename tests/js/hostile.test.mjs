// Every public method called with hostile arguments (wrong types, symbols, BigInts, proxies and
// getters that throw, DOM nodes), in headless Chromium: each call returns, or throws an Error
// at once, or settles its promise; none leaves wasm's stack pointer moved (an exception thrown
// through wasm frames leaks them, and skips the destructors that release borrows; see
// src/web/glue.js); and the cache works afterwards.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from './harness.mjs';

const SCENE = '/studio/api/scenes/s1c1x1';
const OTHER = '/studio/api/scenes/s1c1x2';

describe('hostile arguments', () => {
  const ctx = useBrowser();

  it('never break the cache, the module or the stack', { timeout: 60_000 }, async () => {
    const result = await ctx.page.evaluate(async ({ scene, other }) => {
      const sp = (await freshet.initFreshet()).__stack_pointer;
      const boom = () => { throw new Error('boom'); };
      const traps = { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom };
      const values = {
        undefined, null: null, zero: 0, negative: -1, NaN, huge: 1e308, empty: '', text: 'x', control: '\u0000',
        symbol: Symbol('s'), bigint: 10n, true: true, object: {}, array: [], mixed: [1, {}, null, Symbol('q')],
        sparse: [, , 'a'], function: () => 1, proxy: new Proxy({}, traps), arrayProxy: new Proxy([1], traps),
        getters: { get tags() { return boom(); }, get pageType() { return boom(); }, get optimisticData() { return boom(); } },
        scene, element: document.body,
      };
      const methods = Object.getOwnPropertyNames(freshet.FreshetCache.prototype)
        .filter((n) => !['constructor', 'free', 'destroy'].includes(n) && !n.startsWith('__'));
      const problems = [];
      const outcomes = {};
      const call = async (what, f) => {
        const before = sp.value;
        let outcome = 'returned';
        try {
          const r = f();
          if (r && typeof r.then === 'function') {
            outcome = await Promise.race([
              r.then(() => 'resolved', (e) => (e instanceof Error ? 'rejected' : `rejected with ${typeof e}`)),
              new Promise((resolve) => setTimeout(() => resolve('never settled'), 5000)),
            ]);
          }
        } catch (e) {
          outcome = e?.name === 'FreshetError' ? `FreshetError ${e.code}`
            : e instanceof TypeError ? 'TypeError'
            : e instanceof Error && e.message === 'boom' ? 'the argument\'s own exception'
            : `threw ${String(e)}`;
        }
        if (sp.value !== before) problems.push(`${what}: stack pointer moved by ${before - sp.value}`);
        if (outcome.startsWith('threw') || outcome.startsWith('rejected with') || outcome === 'never settled') {
          problems.push(`${what}: ${outcome}`);
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      };
      for (const [name, value] of Object.entries(values)) {
        await call(`createCache(${name})`, () => new freshet.Cache(value));
      }
      const cache = await freshet.createCache({ routes: [{ pattern: '/studio/api/scenes/:id', pageType: 'reading', tags: ['scene:{id}'] }] });
      await cache.get(scene);
      for (const method of methods) {
        for (const [a, first] of Object.entries(values)) {
          for (const [b, second] of Object.entries(values)) {
            await call(`${method}(${a}, ${b})`, () => cache[method](first, second));
          }
        }
      }
      // Still working: a read through the network, a set, a mutation (nothing left borrowed).
      const read = await cache.get(other);
      cache.set('/studio/api/scenes/new', { n: 1 });
      const peeked = cache.peek('/studio/api/scenes/new');
      const mutated = await cache.mutate('/studio/api/scenes/new', { optimisticData: { n: 2 }, request: async () => ({ n: 3 }) });
      return { problems: problems.slice(0, 20), outcomes, methods: methods.length, title: typeof read.title, peeked, mutated };
    }, { scene: SCENE, other: OTHER });
    assert.deepEqual(result.problems, []);
    assert.ok(result.methods >= 30, `${result.methods} methods called`);
    assert.ok(result.outcomes['FreshetError INVALID_OPTIONS'] > 1000 && result.outcomes['FreshetError INVALID_URL'] > 1000, JSON.stringify(result.outcomes));
    assert.equal(result.title, 'string');
    assert.deepEqual(result.peeked, { n: 1 });
    assert.deepEqual(result.mutated, { n: 3 });
  });
});
