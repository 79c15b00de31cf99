// Unit tests of the server-side invalidation helper: `node --test js/server/headers.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITY_TYPES, cacheTagsHeader, invalidationHeaders } from './headers.js';

const AT = '2025-11-02T12:34:56.789Z';

// Most assertions only care about page types and keys; the timestamp has its own tests.
function pageTypesAndKeys(context) {
  const headers = invalidationHeaders({ timestamp: AT, ...context });
  assert.equal(headers['X-Cache-Invalidate-Timestamp'], AT);
  return [headers['X-Cache-Invalidate'], headers['X-Cache-Invalidate-Keys']];
}

test('returns exactly the three headers', () => {
  const headers = invalidationHeaders({ entityType: 'story', entityId: 's1', timestamp: AT });
  assert.deepEqual(Object.keys(headers).sort(), [
    'X-Cache-Invalidate',
    'X-Cache-Invalidate-Keys',
    'X-Cache-Invalidate-Timestamp',
  ]);
});

test('scene cascades to chapter and story', () => {
  const ctx = { entityType: 'scene', entityId: 'x1', chapterId: 'c1', storyId: 's1' };
  assert.deepEqual(pageTypesAndKeys(ctx), ['writing', 'scene:x1,chapter:c1,story:s1']);
  assert.deepEqual(pageTypesAndKeys({ ...ctx, published: true }), [
    'writing,reading',
    'scene:x1,chapter:c1,story:s1',
  ]);
});

test('scene with a part names the part between chapter and story', () => {
  const ctx = { entityType: 'scene', entityId: 'x1', chapterId: 'c1', partId: 'p1', storyId: 's1' };
  assert.deepEqual(pageTypesAndKeys(ctx), ['writing', 'scene:x1,chapter:c1,part:p1,story:s1']);
});

test('chapter cascades to story', () => {
  const ctx = { entityType: 'chapter', entityId: 'c1', storyId: 's1' };
  assert.deepEqual(pageTypesAndKeys(ctx), ['writing', 'chapter:c1,story:s1']);
  assert.deepEqual(pageTypesAndKeys({ ...ctx, published: true }), ['writing,reading', 'chapter:c1,story:s1']);
});

test('story names itself only', () => {
  assert.deepEqual(pageTypesAndKeys({ entityType: 'story', entityId: 's1' }), ['writing', 'story:s1']);
  assert.deepEqual(pageTypesAndKeys({ entityType: 'story', entityId: 's1', published: true }), [
    'writing,reading',
    'story:s1',
  ]);
  // A story context given only storyId still names the story.
  assert.deepEqual(pageTypesAndKeys({ entityType: 'story', storyId: 's9' }), ['writing', 'story:s9']);
});

test('part, character and setting name themselves and their story', () => {
  for (const entityType of ['part', 'character', 'setting']) {
    const ctx = { entityType, entityId: 'e7', storyId: 's2' };
    assert.deepEqual(pageTypesAndKeys(ctx), ['writing', `${entityType}:e7,story:s2`]);
    assert.deepEqual(pageTypesAndKeys({ ...ctx, published: true }), [
      'writing,reading',
      `${entityType}:e7,story:s2`,
    ]);
  }
});

test('post names itself and the feed, community page type', () => {
  assert.deepEqual(pageTypesAndKeys({ entityType: 'post', entityId: 'p5' }), [
    'community',
    'post:p5,community:posts',
  ]);
  // published has no meaning for community writes.
  assert.deepEqual(pageTypesAndKeys({ entityType: 'post', entityId: 'p5', published: true }), [
    'community',
    'post:p5,community:posts',
  ]);
});

test('like, reply and comment name their post', () => {
  for (const entityType of ['like', 'reply', 'comment']) {
    assert.deepEqual(pageTypesAndKeys({ entityType, entityId: 'r1', postId: 'p2' }), ['community', 'post:p2']);
    // Without postId, entityId is taken to be the post's id.
    assert.deepEqual(pageTypesAndKeys({ entityType, entityId: 'p3' }), ['community', 'post:p3']);
  }
});

test('missing ids are skipped, never written as undefined', () => {
  const cases = [
    [{ entityType: 'scene', entityId: 'x1' }, 'scene:x1'],
    [{ entityType: 'scene', entityId: 'x1', chapterId: null, storyId: '' }, 'scene:x1'],
    [{ entityType: 'scene', chapterId: 'c1', storyId: 's1' }, 'chapter:c1,story:s1'],
    [{ entityType: 'chapter', entityId: 'c1' }, 'chapter:c1'],
    [{ entityType: 'character', entityId: 'h1' }, 'character:h1'],
    [{ entityType: 'story' }, ''],
    [{ entityType: 'post' }, 'community:posts'],
    [{ entityType: 'like' }, ''],
  ];
  for (const [ctx, keys] of cases) {
    const [, actual] = pageTypesAndKeys(ctx);
    assert.equal(actual, keys, JSON.stringify(ctx));
    assert.doesNotMatch(actual, /undefined|null/);
  }
});

test('numeric ids are written in decimal', () => {
  const ctx = { entityType: 'scene', entityId: 12, chapterId: 9, storyId: 42 };
  assert.deepEqual(pageTypesAndKeys(ctx), ['writing', 'scene:12,chapter:9,story:42']);
});

test('duplicate keys are written once, in cascade order', () => {
  const ctx = { entityType: 'scene', entityId: 'same', chapterId: 'c1', storyId: 's1' };
  assert.equal(pageTypesAndKeys(ctx)[1], 'scene:same,chapter:c1,story:s1');
  const dup = { entityType: 'part', entityId: 'a', storyId: 'a' };
  assert.equal(pageTypesAndKeys(dup)[1], 'part:a,story:a');
  const like = { entityType: 'like', entityId: 'p1', postId: 'p1' };
  assert.equal(pageTypesAndKeys(like)[1], 'post:p1');
});

test('timestamp: Date, string and number are written as ISO 8601', () => {
  const ms = Date.parse(AT);
  for (const timestamp of [new Date(ms), AT, ms, 'Sun, 02 Nov 2025 12:34:56 GMT']) {
    const headers = invalidationHeaders({ entityType: 'post', entityId: 'p1', timestamp });
    const expected = new Date(typeof timestamp === 'string' ? Date.parse(timestamp) : ms).toISOString();
    assert.equal(headers['X-Cache-Invalidate-Timestamp'], expected);
  }
});

test('timestamp defaults to now', () => {
  const before = Date.now();
  const headers = invalidationHeaders({ entityType: 'post', entityId: 'p1' });
  const after = Date.now();
  const written = headers['X-Cache-Invalidate-Timestamp'];
  assert.match(written, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const at = Date.parse(written);
  assert.ok(at >= before && at <= after, `${written} not within the call`);
});

test('invalid timestamp throws a TypeError', () => {
  assert.throws(() => invalidationHeaders({ entityType: 'post', entityId: 'p1', timestamp: 'soon' }), TypeError);
});

test('unknown entity type throws a TypeError naming it', () => {
  assert.throws(() => invalidationHeaders({ entityType: 'planet', entityId: 'x' }), {
    name: 'TypeError',
    message: /unknown entityType "planet"/,
  });
  assert.throws(() => invalidationHeaders({ entityId: 'x' }), TypeError);
  assert.throws(() => invalidationHeaders(null), TypeError);
  assert.throws(() => invalidationHeaders('scene'), TypeError);
});

test('ids that would corrupt the header are refused', () => {
  assert.throws(() => invalidationHeaders({ entityType: 'scene', entityId: 'a,b' }), TypeError);
  assert.throws(() => invalidationHeaders({ entityType: 'scene', entityId: 'a', storyId: 'x\ny' }), TypeError);
  assert.throws(() => invalidationHeaders({ entityType: 'scene', entityId: { id: 1 } }), TypeError);
});

test('ENTITY_TYPES lists every accepted type and is frozen', () => {
  assert.ok(Object.isFrozen(ENTITY_TYPES));
  for (const entityType of ENTITY_TYPES) {
    assert.doesNotThrow(() => invalidationHeaders({ entityType, entityId: 'x' }), entityType);
  }
  for (const expected of ['story', 'part', 'chapter', 'scene', 'character', 'setting', 'post', 'like', 'reply']) {
    assert.ok(ENTITY_TYPES.includes(expected), expected);
  }
});

test('cacheTagsHeader joins tags with commas', () => {
  assert.deepEqual(cacheTagsHeader(['story:1', 'chapter:2']), { 'X-Cache-Tags': 'story:1,chapter:2' });
  assert.deepEqual(cacheTagsHeader([]), { 'X-Cache-Tags': '' });
  assert.deepEqual(cacheTagsHeader(['a', ' a ', '', 'b']), { 'X-Cache-Tags': 'a,b' });
  assert.deepEqual(cacheTagsHeader(new Set(['x', 'y'])), { 'X-Cache-Tags': 'x,y' });
  assert.throws(() => cacheTagsHeader('story:1'), TypeError);
  assert.throws(() => cacheTagsHeader([1]), TypeError);
  assert.throws(() => cacheTagsHeader(['a,b']), TypeError);
});

// The same vectors are checked against the Rust helper (tests/server_vectors.rs).
test('shared vectors: the JS helper gives exactly the headers the Rust helper gives', async () => {
  const { readFile } = await import('node:fs/promises');
  const url = new URL('../../tests/vectors/invalidation-headers.json', import.meta.url);
  const vectors = JSON.parse(await readFile(url, 'utf8'));
  assert.ok(vectors.cases.length >= 20);
  for (const { context, headers, error } of vectors.cases) {
    if (error) {
      assert.throws(() => invalidationHeaders(context), TypeError, JSON.stringify(context));
    } else {
      assert.deepEqual(invalidationHeaders(context), headers, JSON.stringify(context));
    }
  }
  for (const { tags, header, error } of vectors.tags) {
    if (error) assert.throws(() => cacheTagsHeader(tags), TypeError);
    else assert.deepEqual(cacheTagsHeader(tags), { 'X-Cache-Tags': header });
  }
});
