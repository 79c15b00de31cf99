// The demo API against SPEC §12: `node --test examples/server/`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidation, rawRequest, request, useServer } from './harness.mjs';
import { parsePort } from './server.mjs';

const server = useServer();
const get = (path, options) => request(server.url, path, options);

function assertCommonHeaders(headers) {
  const date = headers.get('date');
  assert.ok(date && !Number.isNaN(Date.parse(date)), `Date header: ${date}`);
  assert.match(date, /GMT$/);
  assert.equal(headers.get('cache-control'), 'no-cache');
}

function assertRead(response, tags) {
  assert.equal(response.status, 200);
  assertCommonHeaders(response.headers);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.match(response.headers.get('etag'), /^"[^"]+"$/, 'strong ETag');
  assert.deepEqual(response.headers.get('x-cache-tags').split(','), tags);
}

function assertWrite(response, pageTypes, keys) {
  assertCommonHeaders(response.headers);
  const { timestamp, ...rest } = invalidation(response.headers);
  assert.deepEqual(rest, { pageTypes, keys });
  assert.ok(Math.abs(Date.parse(timestamp) - Date.now()) < 5000, `timestamp ${timestamp}`);
}

const outlineTags = (storyId, chapters = 5, scenes = 3) => Array.from({ length: chapters }, (_, c) => [
  `chapter:${storyId}c${c + 1}`,
  ...Array.from({ length: scenes }, (_, x) => `scene:${storyId}c${c + 1}x${x + 1}`),
]).flat();

describe('seed and reads', () => {
  test('3 stories × 5 chapters × 3 scenes; s1 and s2 published, s3 a draft', async () => {
    const list = await get('/studio/api/stories');
    assertRead(list, ['stories:mine', 'story:s1', 'story:s2', 'story:s3']);
    assert.deepEqual(list.json.stories.map(({ id, published, chapterCount }) => [id, published, chapterCount]),
      [['s1', true, 5], ['s2', true, 5], ['s3', false, 5]]);
    for (const story of list.json.stories) {
      assert.equal(typeof story.title, 'string');
      assert.equal(typeof story.summary, 'string');
      const detail = await get(`/studio/api/stories/${story.id}`);
      assertRead(detail, [`story:${story.id}`, ...outlineTags(story.id)]);
      assert.equal(detail.json.chapters.length, 5);
      detail.json.chapters.forEach((chapter, c) => {
        assert.equal(chapter.id, `${story.id}c${c + 1}`);
        assert.deepEqual(chapter.scenes.map((s) => s.id), [1, 2, 3].map((x) => `${chapter.id}x${x}`));
        assert.ok(chapter.scenes.every((s) => typeof s.title === 'string' && !('text' in s)));
      });
    }
  });

  test('chapter and scene reads', async () => {
    const chapter = await get('/studio/api/chapters/s2c4');
    assertRead(chapter, ['chapter:s2c4', 'scene:s2c4x1', 'scene:s2c4x2', 'scene:s2c4x3']);
    assert.deepEqual(Object.keys(chapter.json).sort(), ['id', 'published', 'scenes', 'storyId', 'summary', 'title']);
    assert.equal(chapter.json.storyId, 's2');
    const scene = await get('/studio/api/scenes/s3c5x3');
    assertRead(scene, ['scene:s3c5x3']);
    assert.deepEqual(
      { ...scene.json, title: typeof scene.json.title, text: typeof scene.json.text },
      { id: 's3c5x3', chapterId: 's3c5', storyId: 's3', title: 'string', text: 'string', published: false },
    );
  });

  test('reader view: published stories with full scene text, drafts 404', async () => {
    const novel = await get('/novels/api/stories/s1');
    assertRead(novel, ['story:s1', ...outlineTags('s1')]);
    assert.equal(novel.json.chapters.length, 5);
    assert.ok(novel.json.chapters.every((c) => c.scenes.length === 3 && c.scenes.every((s) => s.text.length > 0)));
    const draft = await get('/novels/api/stories/s3');
    assert.equal(draft.status, 404);
    assert.equal(typeof draft.json.error, 'string');
  });

  test('community feed and post detail', async () => {
    const feed = await get('/community/api/posts');
    assertRead(feed, ['community:posts', 'post:p1', 'post:p2', 'post:p3', 'post:p4']);
    for (const post of feed.json.posts) {
      assert.deepEqual(Object.keys(post).sort(),
        ['author', 'body', 'createdAt', 'id', 'likeCount', 'liked', 'replyCount', 'title']);
      assert.ok(post.replyCount >= 2);
    }
    const detail = await get('/community/api/posts/p1');
    assertRead(detail, ['post:p1']);
    assert.equal(typeof detail.json.likeCount, 'number');
    assert.equal(typeof detail.json.liked, 'boolean');
    assert.deepEqual(detail.json.replies.map((r) => r.id), ['p1r1', 'p1r2']);
  });

  test('a strong ETag is honoured with 304 and no body; a changed entity gets a new one', async () => {
    const first = await get('/studio/api/scenes/s1c1x1');
    const etag = first.headers.get('etag');
    assert.equal((await get('/studio/api/scenes/s1c1x1')).headers.get('etag'), etag, 'stable');
    const cached = await get('/studio/api/scenes/s1c1x1', { headers: { 'If-None-Match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    assert.equal(cached.headers.get('etag'), etag);
    assert.equal(cached.headers.get('x-cache-tags'), 'scene:s1c1x1');
    assertCommonHeaders(cached.headers);
    const weak = await get('/studio/api/scenes/s1c1x1', { headers: { 'If-None-Match': `"x", W/${etag}` } });
    assert.equal(weak.status, 304);
    await get('/studio/api/scenes/s1c1x1', { method: 'PATCH', body: { text: 'changed' } });
    const changed = await get('/studio/api/scenes/s1c1x1', { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  test('HEAD answers like GET without a body', async () => {
    const head = await get('/studio/api/stories', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.ok(head.headers.get('x-cache-tags'));
  });
});

describe('writes send the invalidation cascade and return the entity', () => {
  test('PATCH story (published and draft)', async () => {
    const res = await get('/studio/api/stories/s1/write', { method: 'PATCH', body: { title: 'New title' } });
    assert.equal(res.status, 200);
    assertWrite(res, 'writing,reading', 'story:s1');
    assert.equal(res.json.title, 'New title');
    assert.equal(res.json.chapters.length, 5);
    assert.equal((await get('/studio/api/stories/s1')).json.title, 'New title');
    assert.equal((await get('/novels/api/stories/s1')).json.title, 'New title');
    const draft = await get('/studio/api/stories/s3/write', { method: 'PATCH', body: { summary: 'Now with a plan.' } });
    assertWrite(draft, 'writing', 'story:s3');
    assert.equal(draft.json.summary, 'Now with a plan.');
  });

  test('PATCH chapter', async () => {
    const res = await get('/studio/api/chapters/s2c3', { method: 'PATCH', body: { title: 'Bells', summary: 'Ringing.' } });
    assert.equal(res.status, 200);
    assertWrite(res, 'writing,reading', 'chapter:s2c3,story:s2');
    assert.deepEqual([res.json.title, res.json.summary], ['Bells', 'Ringing.']);
    const draft = await get('/studio/api/chapters/s3c1', { method: 'PATCH', body: { title: 'Draft one' } });
    assertWrite(draft, 'writing', 'chapter:s3c1,story:s3');
  });

  test('PATCH scene', async () => {
    const res = await get('/studio/api/scenes/s1c2x3', { method: 'PATCH', body: { title: 'T', text: 'Body' } });
    assert.equal(res.status, 200);
    assertWrite(res, 'writing,reading', 'scene:s1c2x3,chapter:s1c2,story:s1');
    assert.deepEqual([res.json.id, res.json.title, res.json.text], ['s1c2x3', 'T', 'Body']);
    assert.equal((await get('/studio/api/scenes/s1c2x3')).json.text, 'Body');
    const draft = await get('/studio/api/scenes/s3c1x1', { method: 'PATCH', body: { text: 'x' } });
    assertWrite(draft, 'writing', 'scene:s3c1x1,chapter:s3c1,story:s3');
  });

  test('DELETE scene removes it from the outline', async () => {
    const res = await get('/studio/api/scenes/s2c1x2', { method: 'DELETE' });
    assert.equal(res.status, 200);
    assertWrite(res, 'writing,reading', 'scene:s2c1x2,chapter:s2c1,story:s2');
    assert.deepEqual(res.json, { id: 's2c1x2', chapterId: 's2c1', storyId: 's2', deleted: true });
    assert.equal((await get('/studio/api/scenes/s2c1x2')).status, 404);
    assert.deepEqual((await get('/studio/api/chapters/s2c1')).json.scenes.map((s) => s.id), ['s2c1x1', 's2c1x3']);
    const story = await get('/studio/api/stories/s2');
    assert.ok(!story.headers.get('x-cache-tags').split(',').includes('scene:s2c1x2'));
    assert.equal((await get('/studio/api/scenes/s2c1x2', { method: 'DELETE' })).status, 404);
  });

  test('POST post', async () => {
    const res = await get('/community/api/posts', { method: 'POST', body: { title: 'Hi', body: 'First!' } });
    assert.equal(res.status, 201);
    assertWrite(res, 'community', 'post:p5,community:posts');
    assert.deepEqual([res.json.id, res.json.author, res.json.likeCount, res.json.liked], ['p5', 'me', 0, false]);
    const feed = await get('/community/api/posts');
    assert.deepEqual(feed.json.posts.map((p) => p.id), ['p5', 'p1', 'p2', 'p3', 'p4']);
  });

  test('POST like toggles the like of "me"', async () => {
    const before = (await get('/community/api/posts/p2')).json;
    const liked = await get('/community/api/posts/p2/like', { method: 'POST' });
    assert.equal(liked.status, 200);
    assertWrite(liked, 'community', 'post:p2');
    assert.deepEqual(liked.json, { id: 'p2', likeCount: before.likeCount + 1, liked: !before.liked });
    const unliked = await get('/community/api/posts/p2/like', { method: 'POST' });
    assert.deepEqual(unliked.json, { id: 'p2', likeCount: before.likeCount, liked: before.liked });
    const after = (await get('/community/api/posts/p2')).json;
    assert.deepEqual([after.likeCount, after.liked], [before.likeCount, before.liked]);
  });

  test('POST reply', async () => {
    const res = await get('/community/api/posts/p3/replies', { method: 'POST', body: { body: 'Agreed.' } });
    assert.equal(res.status, 201);
    assertWrite(res, 'community', 'post:p3');
    assert.equal(res.json.id, 'p3');
    const { createdAt, ...reply } = res.json.replies.at(-1);
    assert.deepEqual(reply, { id: 'p3r3', postId: 'p3', author: 'me', body: 'Agreed.' });
    assert.ok(!Number.isNaN(Date.parse(createdAt)));
    assert.equal((await get('/community/api/posts/p3')).json.replies.length, 3);
  });
});

describe('errors', () => {
  test('404 with a JSON error for unknown ids and routes', async () => {
    for (const [method, path] of [
      ['GET', '/studio/api/stories/s9'], ['PATCH', '/studio/api/stories/s9/write'],
      ['GET', '/studio/api/chapters/nope'], ['PATCH', '/studio/api/chapters/nope'],
      ['GET', '/studio/api/scenes/nope'], ['PATCH', '/studio/api/scenes/nope'], ['DELETE', '/studio/api/scenes/nope'],
      ['GET', '/novels/api/stories/nope'], ['GET', '/community/api/posts/p99'],
      ['POST', '/community/api/posts/p99/like'], ['POST', '/community/api/posts/p99/replies'],
      ['GET', '/studio/api/nothing-here'], ['GET', '/nowhere'],
    ]) {
      const hasBody = method !== 'GET' && method !== 'DELETE';
      const res = await get(path, { method, body: hasBody ? { title: 'x', text: 'x', body: 'x' } : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(typeof res.json.error, 'string');
      assertCommonHeaders(res.headers);
    }
  });

  test('400 for bad bodies', async () => {
    const cases = [
      ['PATCH', '/studio/api/scenes/s1c1x1', '{"text": '],
      ['PATCH', '/studio/api/scenes/s1c1x1', ''],
      ['PATCH', '/studio/api/scenes/s1c1x1', '[1]'],
      ['PATCH', '/studio/api/scenes/s1c1x1', '{"text": 5}'],
      ['PATCH', '/studio/api/scenes/s1c1x1', '{"other": "x"}'],
      ['PATCH', '/studio/api/stories/s1/write', 'not json'],
      ['PATCH', '/studio/api/chapters/s1c1', '{}'],
      ['POST', '/community/api/posts', '{"title": "no body"}'],
      ['POST', '/community/api/posts/p1/replies', '{"body": "  "}'],
    ];
    for (const [method, path, body] of cases) {
      const res = await get(path, { method, body });
      assert.equal(res.status, 400, `${method} ${path} ${body}`);
      assert.equal(typeof res.json.error, 'string');
    }
    assert.equal((await get('/studio/api/scenes/s1c1x1')).json.title, 'Scene 1', 'nothing changed');
  });

  test('405 with Allow for wrong methods', async () => {
    for (const [method, path, allow] of [
      ['POST', '/studio/api/stories', 'GET, HEAD'],
      ['PATCH', '/studio/api/stories/s1', 'GET, HEAD'],
      ['GET', '/studio/api/stories/s1/write', 'PATCH'],
      ['PUT', '/studio/api/scenes/s1c1x1', 'GET, PATCH, DELETE, HEAD'],
      ['DELETE', '/community/api/posts', 'GET, POST, HEAD'],
      ['GET', '/community/api/posts/p1/like', 'POST'],
      ['POST', '/pages/index.html', 'GET, HEAD'],
    ]) {
      const res = await get(path, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow);
      assert.equal(typeof res.json.error, 'string');
    }
  });
});

describe('CORS', () => {
  const origin = 'http://127.0.0.1:9999';

  test('preflight is answered with 204 and the allowed methods and headers', async () => {
    const res = await rawRequest(server.url, '/studio/api/scenes/s1c1x1', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], origin);
    assert.match(res.headers['access-control-allow-methods'], /PATCH/);
    assert.match(res.headers['access-control-allow-methods'], /DELETE/);
    for (const header of ['\\*', 'Content-Type', 'If-None-Match', 'If-Modified-Since']) {
      assert.match(res.headers['access-control-allow-headers'], new RegExp(header));
    }
    assert.ok(res.headers.date);
  });

  test('responses echo the Origin and expose the cache headers', async () => {
    const res = await get('/studio/api/stories', { headers: { Origin: origin } });
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    const exposed = res.headers.get('access-control-expose-headers').split(',').map((h) => h.trim());
    for (const header of ['Date', 'ETag', 'Last-Modified', 'X-Cache-Tags', 'Surrogate-Key', 'Cache-Tag',
      'X-Cache-Invalidate', 'X-Cache-Invalidate-Keys', 'X-Cache-Invalidate-Timestamp', 'Clear-Site-Data']) {
      assert.ok(exposed.includes(header), header);
    }
    assert.equal((await get('/studio/api/stories')).headers.get('access-control-allow-origin'), '*');
  });
});

test('parsePort: flag, env, default, and refusal of junk', () => {
  assert.equal(parsePort(['--port', '0'], {}), 0);
  assert.equal(parsePort(['--port=9000'], { PORT: '1' }), 9000);
  assert.equal(parsePort([], { PORT: '4000' }), 4000);
  assert.equal(parsePort([], {}), 8787);
  assert.throws(() => parsePort(['--port'], {}));
  assert.throws(() => parsePort(['--port', 'abc'], {}));
  assert.throws(() => parsePort([], { PORT: '70000' }));
});
