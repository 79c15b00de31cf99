// Optimistic mutations in headless Chromium against the demo server: the optimistic value at
// once, the confirmed one after; rollback of only the failed layer when mutations overlap;
// nothing optimistic persisted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fault, useBrowser } from './harness.mjs';

const POST = '/community/api/posts/p1';
const LIKE = `${POST}/like`;

/** In the page: a cache, the post read once, and `like()` toggling it optimistically. */
async function setup(page) {
  await page.evaluate(async ([post, like]) => {
    window.cache = await freshet.createCache({
      routes: [{ pattern: '/community/api/posts/:id', pageType: 'community', tags: ['post:{id}'] }],
    });
    window.seen = [];
    cache.subscribe(post, (v) => seen.push(v && { likeCount: v.likeCount, liked: v.liked }));
    window.before = await cache.get(post);
    seen.length = 0;
    window.like = () => cache.mutate(post, {
      optimisticData: (p) => ({ ...p, liked: !p.liked, likeCount: p.likeCount + (p.liked ? -1 : 1) }),
      request: { url: like, method: 'POST' },
    });
  }, [POST, LIKE]);
}

const server = async (base) => (await (await fetch(`${base}${POST}`)).json());
const toggled = (p) => ({ likeCount: p.likeCount + (p.liked ? -1 : 1), liked: !p.liked });

describe('optimistic mutations', () => {
  const ctx = useBrowser();

  it('shows the optimistic value in the same task, then the confirmed one', async () => {
    await setup(ctx.page);
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 150 });
    const result = await ctx.page.evaluate(async (post) => {
      const done = like();
      const sync = { peek: cache.peek(post), seen: seen.slice(), pending: cache.pendingMutations(post) };
      await done;
      await new Promise((r) => setTimeout(r, 50));
      return { before: { likeCount: before.likeCount, liked: before.liked }, sync, after: cache.peek(post), pending: cache.pendingMutations(post) };
    }, POST);
    const { before } = result;
    assert.deepEqual({ likeCount: result.sync.peek.likeCount, liked: result.sync.peek.liked }, toggled(before));
    assert.equal(result.sync.seen.length, 1, 'subscribers notified in the same task');
    assert.equal(result.sync.pending, 1);
    const truth = await server(ctx.url);
    assert.deepEqual({ likeCount: result.after.likeCount, liked: result.after.liked }, { likeCount: truth.likeCount, liked: truth.liked });
    assert.deepEqual({ likeCount: truth.likeCount, liked: truth.liked }, toggled(before));
    assert.equal(result.pending, 0);
  });

  it('a failed like rolls back the count and the liked flag, and the caller sees the error', async () => {
    await setup(ctx.page);
    await fault(ctx.url, { route: LIKE, method: 'POST', status: 500 });
    const result = await ctx.page.evaluate(async (post) => {
      let error = null;
      try { await like(); } catch (e) { error = { code: e.code, status: e.status }; }
      const after = cache.peek(post);
      return { before: { likeCount: before.likeCount, liked: before.liked }, after: { likeCount: after.likeCount, liked: after.liked }, error, seen, pending: cache.pendingMutations(post) };
    }, POST);
    assert.deepEqual(result.error, { code: 'HTTP_STATUS', status: 500 });
    assert.deepEqual(result.after, result.before);
    assert.deepEqual(result.seen, [toggled(result.before), result.before]);
    assert.equal(result.pending, 0);
  });

  it('like, unlike, like in quick succession with the middle one failing ends at the server state', async () => {
    await setup(ctx.page);
    // The second POST fails; each is slowed so that all three overlap.
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 100, count: 1 });
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 150, status: 500, count: 1 });
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 200, count: 1 });
    const result = await ctx.page.evaluate(async (post) => {
      const outcomes = await Promise.allSettled([like(), like(), like()]);
      await new Promise((r) => setTimeout(r, 100));
      const after = cache.peek(post);
      return { outcomes: outcomes.map((o) => o.status), after: { likeCount: after.likeCount, liked: after.liked }, pending: cache.pendingMutations(post) };
    }, POST);
    assert.deepEqual(result.outcomes, ['fulfilled', 'rejected', 'fulfilled']);
    const truth = await server(ctx.url);
    assert.deepEqual(result.after, { likeCount: truth.likeCount, liked: truth.liked });
    assert.equal(result.pending, 0);
  });

  it('a reload during a pending mutation shows confirmed data only', async () => {
    await setup(ctx.page);
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 2000 });
    const before = await ctx.page.evaluate(async (post) => {
      like();
      cache.flush?.();
      return { likeCount: before.likeCount, liked: before.liked, optimistic: cache.peek(post).liked !== before.liked };
    }, POST);
    assert.equal(before.optimistic, true);
    const stored = await ctx.page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.includes('/community/api/posts/p1')).map(([, v]) => v).join(''));
    assert.doesNotMatch(stored, new RegExp(`"likeCount":${toggled(before).likeCount}[,}]`), 'no optimistic value in localStorage');
    await ctx.page.reload();
    const after = await ctx.page.evaluate(async (post) => {
      window.freshet = await import('/pkg/index.js');
      const cache = await freshet.createCache({ routes: [{ pattern: '/community/api/posts/:id', pageType: 'community', tags: ['post:{id}'] }] });
      const p = cache.peek(post) ?? await cache.get(post);
      return { likeCount: p.likeCount, liked: p.liked };
    }, POST);
    assert.deepEqual(after, { likeCount: before.likeCount, liked: before.liked });
  });

  it('a mutate without a request is a local update, under the layers of pending mutations', async () => {
    await setup(ctx.page);
    await fault(ctx.url, { route: LIKE, method: 'POST', delayMs: 300 });
    const result = await ctx.page.evaluate(async (post) => {
      const pending = like();
      await cache.mutate(post, { optimisticData: (p) => ({ ...p, title: 'renamed' }) });
      const during = cache.peek(post);
      const confirmed = cache.inspect(post).cause;
      await pending;
      return { during: { title: during.title, liked: during.liked !== before.liked }, confirmed };
    }, POST);
    assert.deepEqual(result, { during: { title: 'renamed', liked: true }, confirmed: 'set' });
  });

  it('a throwing optimistic function cancels the mutation before anything is sent', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async (post) => {
      try {
        cache.mutate(post, { optimisticData: () => { throw new Error('boom'); }, request: { method: 'POST' } });
        return 'no error';
      } catch (e) {
        return { code: e.code, pending: cache.pendingMutations(post), same: cache.peek(post) === before };
      }
    }, POST);
    assert.deepEqual(result, { code: 'OPTIMISTIC', pending: 0, same: true });
  });

  it('populateCache uses the result; throwOnError false resolves; a serial scope sends in order', async () => {
    await setup(ctx.page);
    const result = await ctx.page.evaluate(async ([post, like]) => {
      const populated = await cache.mutate(post, {
        request: { url: like, method: 'POST' },
        populateCache: (result, current) => ({ ...current, ...result }),
        revalidate: false,
      });
      const afterPopulate = cache.peek(post).liked === populated.liked;
      const quiet = await cache.mutate(post, { request: { url: '/community/api/posts/nope/like', method: 'POST' }, throwOnError: false });
      const order = [];
      const step = (name, ms) => () => new Promise((r) => setTimeout(() => { order.push(name); r(name); }, ms));
      await Promise.all([
        cache.mutate(post, { request: step('slow', 80), scope: 's', revalidate: false }),
        cache.mutate(post, { request: step('fast', 1), scope: 's', revalidate: false }),
      ]);
      return { afterPopulate, quiet, order };
    }, [POST, LIKE]);
    assert.deepEqual(result, { afterPopulate: true, quiet: undefined, order: ['slow', 'fast'] });
  });
});
