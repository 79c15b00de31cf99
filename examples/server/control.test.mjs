// The /__test control endpoints: fault injection, request counters and reset.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, request, useServer } from './harness.mjs';

const server = useServer();
const call = (path, options) => request(server.url, path, options);
const addFault = (fault) => call('/__test/faults', { method: 'POST', body: fault });

describe('fault injection', () => {
  test('the next request fails with the given status, then the route works again', async () => {
    const added = await addFault({ route: '/studio/api/scenes/s1c1x1', status: 500 });
    assert.equal(added.status, 201);
    const { id, ...fault } = added.json.fault;
    assert.equal(typeof id, 'number');
    assert.deepEqual(fault, { route: '/studio/api/scenes/s1c1x1', method: null, status: 500, count: 1, delayMs: 0, holdMs: 0 });
    const failed = await call('/studio/api/scenes/s1c1x1');
    assert.equal(failed.status, 500);
    assert.equal(typeof failed.json.error, 'string');
    assert.ok(failed.headers.get('date'));
    assert.equal(failed.headers.get('x-cache-tags'), null);
    assert.equal((await call('/studio/api/scenes/s1c1x1')).status, 200);
    assert.deepEqual((await call('/__test/faults')).json, { faults: [] });
  });

  test('count: the next N matching requests fail', async () => {
    await addFault({ route: '/community/api/posts', status: 503, count: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('/community/api/posts')).status);
    assert.deepEqual(statuses, [503, 503, 503, 200]);
  });

  test('a failed write changes nothing', async () => {
    await addFault({ route: '/community/api/posts/:postId/like', status: 500, method: 'POST' });
    const before = (await call('/community/api/posts/p1')).json;
    const failed = await call('/community/api/posts/p1/like', { method: 'POST' });
    assert.equal(failed.status, 500);
    assert.equal(failed.headers.get('x-cache-invalidate'), null);
    assert.deepEqual((await call('/community/api/posts/p1')).json, before);
  });

  test(':param patterns match any id, other paths are untouched', async () => {
    await addFault({ route: '/community/api/posts/:postId/like', status: 500, count: 2 });
    assert.equal((await call('/community/api/posts/p2')).status, 200);
    assert.equal((await call('/community/api/posts/p2/replies', { method: 'POST', body: { body: 'x' } })).status, 201);
    assert.equal((await call('/community/api/posts/p2/like', { method: 'POST' })).status, 500);
    assert.equal((await call('/community/api/posts/p4/like', { method: 'POST' })).status, 500);
    assert.equal((await call('/community/api/posts/p4/like', { method: 'POST' })).status, 200);
  });

  test('method filter: only that method is affected', async () => {
    await addFault({ route: '/studio/api/scenes/:id', method: 'patch', status: 500 });
    assert.equal((await call('/studio/api/scenes/s1c1x2')).status, 200);
    assert.equal((await call('/studio/api/scenes/s1c1x2', { method: 'PATCH', body: { text: 'a' } })).status, 500);
    assert.equal((await call('/studio/api/scenes/s1c1x2', { method: 'PATCH', body: { text: 'b' } })).status, 200);
  });

  test('a CORS preflight does not use up a fault without a method', async () => {
    await addFault({ route: '/studio/api/scenes/:id', status: 500 });
    const preflight = await rawRequest(server.url, '/studio/api/scenes/s1c1x1', {
      method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:1', 'Access-Control-Request-Method': 'PATCH' },
    });
    assert.equal(preflight.status, 204);
    assert.equal((await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'a' } })).status, 500);
  });

  test('delayMs delays the request, which is then handled normally', async () => {
    await addFault({ route: '/studio/api/stories', delayMs: 150 });
    const started = Date.now();
    const res = await call('/studio/api/stories');
    assert.ok(Date.now() - started >= 140, `took ${Date.now() - started} ms`);
    assert.equal(res.status, 200);
    assert.equal(res.json.stories.length, 3);
    const again = Date.now();
    await call('/studio/api/stories');
    assert.ok(Date.now() - again < 140, 'only the next request is delayed');
  });

  test('delay and status together: a slow failure', async () => {
    await addFault({ route: '/studio/api/scenes/s1c1x1', delayMs: 100, status: 502, method: 'PATCH' });
    const started = Date.now();
    const res = await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'lost' } });
    assert.equal(res.status, 502);
    assert.ok(Date.now() - started >= 90);
    assert.notEqual((await call('/studio/api/scenes/s1c1x1')).json.text, 'lost');
  });

  test('a delayed write lands after a later read started', async () => {
    await addFault({ route: '/studio/api/scenes/s1c1x1', delayMs: 150, method: 'PATCH' });
    const write = call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'late' } });
    await new Promise((done) => setTimeout(done, 30));
    assert.notEqual((await call('/studio/api/scenes/s1c1x1')).json.text, 'late');
    assert.equal((await write).json.text, 'late');
  });

  test('holdMs answers with the data of the moment the request arrived, but late', async () => {
    await addFault({ route: '/studio/api/scenes/s1c1x1', holdMs: 200, method: 'GET' });
    const started = Date.now();
    const slow = call('/studio/api/scenes/s1c1x1');
    await new Promise((done) => setTimeout(done, 50));
    await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'saved meanwhile' } });
    const res = await slow;
    assert.ok(Date.now() - started >= 190, `took ${Date.now() - started} ms`);
    assert.equal(res.status, 200);
    assert.notEqual(res.json.text, 'saved meanwhile', 'the held answer predates the save');
    assert.equal((await call('/studio/api/scenes/s1c1x1')).json.text, 'saved meanwhile');
  });

  test('DELETE clears pending faults; GET lists them', async () => {
    await addFault({ route: '/community/api/posts', status: 500, count: 5 });
    await addFault({ route: '/studio/api/stories', delayMs: 10 });
    const listed = (await call('/__test/faults')).json.faults;
    assert.deepEqual(listed.map((f) => [f.route, f.count]), [['/community/api/posts', 5], ['/studio/api/stories', 1]]);
    assert.deepEqual((await call('/__test/faults', { method: 'DELETE' })).json, { cleared: 2 });
    assert.equal((await call('/community/api/posts')).status, 200);
  });

  test('bad fault bodies are refused with 400', async () => {
    for (const body of [
      '{', '[]', {}, { route: 'no-slash' }, { route: '/x', status: 99 }, { route: '/x', status: '500' },
      { route: '/x', count: 0 }, { route: '/x', count: 1.5 }, { route: '/x', delayMs: -1 }, { route: '/x', holdMs: 'slow' }, { route: '/x', method: 'FETCH' },
    ]) {
      const res = await call('/__test/faults', { method: 'POST', body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.deepEqual((await call('/__test/faults')).json, { faults: [] });
  });
});

describe('request counters', () => {
  test('count every API request by method and path, not /__test or static files', async () => {
    await call('/studio/api/scenes/s1c1x1');
    await call('/studio/api/scenes/s1c1x1?fresh=1');
    await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'x' } });
    await call('/community/api/posts/p9');
    await call('/pages/index.html');
    await call('/__test/faults');
    await rawRequest(server.url, '/studio/api/stories', { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:1' } });
    const { json } = await call('/__test/requests');
    assert.equal(json.total, 4);
    assert.deepEqual(json.byRoute, {
      'GET /studio/api/scenes/s1c1x1': 2,
      'PATCH /studio/api/scenes/s1c1x1': 1,
      'GET /community/api/posts/p9': 1,
    });
    assert.equal(json.preflights, 1);
    assert.deepEqual(json.log.map((e) => [e.method, e.url, e.status]), [
      ['GET', '/studio/api/scenes/s1c1x1', 200],
      ['GET', '/studio/api/scenes/s1c1x1?fresh=1', 200],
      ['PATCH', '/studio/api/scenes/s1c1x1', 200],
      ['GET', '/community/api/posts/p9', 404],
    ]);
  });

  test('faulted requests are counted; conditional requests are visible in the log', async () => {
    await addFault({ route: '/studio/api/stories', status: 500 });
    await call('/studio/api/stories');
    const ok = await call('/studio/api/stories');
    await call('/studio/api/stories', { headers: { 'If-None-Match': ok.headers.get('etag') } });
    const { json } = await call('/__test/requests');
    assert.deepEqual(json.byRoute, { 'GET /studio/api/stories': 3 });
    assert.deepEqual(json.log.map((e) => [e.status, e.ifNoneMatch]), [[500, null], [200, null], [304, ok.headers.get('etag')]]);
  });

  test('POST /__test/requests/reset resets only the counters', async () => {
    await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'kept' } });
    await addFault({ route: '/community/api/posts', status: 500 });
    assert.deepEqual((await call('/__test/requests/reset', { method: 'POST' })).json, { ok: true });
    assert.deepEqual((await call('/__test/requests')).json, { total: 0, byRoute: {}, preflights: 0, log: [] });
    assert.equal((await call('/studio/api/scenes/s1c1x1')).json.text, 'kept');
    assert.equal((await call('/community/api/posts')).status, 500, 'faults kept');
  });
});

describe('reset', () => {
  test('POST /__test/reset restores the seed exactly and clears counters and faults', async () => {
    const paths = ['/studio/api/stories', '/studio/api/stories/s1', '/studio/api/chapters/s1c1',
      '/studio/api/scenes/s1c1x1', '/novels/api/stories/s2', '/community/api/posts', '/community/api/posts/p1'];
    const seed = await Promise.all(paths.map((p) => call(p)));

    await call('/studio/api/stories/s1/write', { method: 'PATCH', body: { title: 'x' } });
    await call('/studio/api/chapters/s1c1', { method: 'PATCH', body: { summary: 'x' } });
    await call('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'x' } });
    await call('/studio/api/scenes/s2c1x1', { method: 'DELETE' });
    await call('/community/api/posts', { method: 'POST', body: { title: 'x', body: 'y' } });
    await call('/community/api/posts/p1/like', { method: 'POST' });
    await call('/community/api/posts/p1/replies', { method: 'POST', body: { body: 'x' } });
    await addFault({ route: '/community/api/posts', status: 500 });

    assert.deepEqual((await call('/__test/reset', { method: 'POST' })).json, { ok: true });
    const after = await Promise.all(paths.map((p) => call(p)));
    after.forEach((res, i) => {
      assert.equal(res.status, 200, paths[i]);
      assert.equal(res.text, seed[i].text, paths[i]);
      assert.equal(res.headers.get('etag'), seed[i].headers.get('etag'), paths[i]);
    });
    assert.equal((await call('/studio/api/scenes/s2c1x1')).status, 200);
    const created = await call('/community/api/posts', { method: 'POST', body: { title: 'again', body: 'y' } });
    assert.equal(created.json.id, 'p5', 'ids restart');
    assert.equal((await call('/__test/requests')).json.total, paths.length + 2);
  });

  test('unknown /__test endpoints are 404, wrong methods 405', async () => {
    assert.equal((await call('/__test/nothing')).status, 404);
    assert.equal((await call('/__test/reset')).status, 405);
    assert.equal((await call('/__test/requests', { method: 'DELETE' })).status, 405);
  });
});
