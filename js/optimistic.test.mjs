// The optimistic helpers are pure functions: tested in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createOptimisticAppend, createOptimisticArrayUpdate, createOptimisticIncrement, createOptimisticMerge,
} from './optimistic.js';

test('append, to an array or to a field, without changing the input', () => {
  const list = [1];
  assert.deepEqual(createOptimisticAppend(2)(list), [1, 2]);
  assert.deepEqual(list, [1]);
  assert.deepEqual(createOptimisticAppend(3)(undefined), [3]);
  const post = { id: 'p1', replies: [{ id: 'r1' }] };
  assert.deepEqual(createOptimisticAppend({ id: 'r2' }, 'replies')(post), { id: 'p1', replies: [{ id: 'r1' }, { id: 'r2' }] });
  assert.equal(post.replies.length, 1);
});

test('merge, increment and update by id', () => {
  assert.deepEqual(createOptimisticMerge({ liked: true })({ id: 'p1', liked: false }), { id: 'p1', liked: true });
  assert.equal(createOptimisticIncrement()(undefined), 1);
  assert.equal(createOptimisticIncrement(undefined, 5)(2), 7);
  assert.deepEqual(createOptimisticIncrement('likeCount', -1)({ likeCount: 3 }), { likeCount: 2 });
  const scenes = [{ id: 'a', t: 1 }, { id: 'b', t: 1 }];
  assert.deepEqual(createOptimisticArrayUpdate('b', { t: 2 })(scenes), [{ id: 'a', t: 1 }, { id: 'b', t: 2 }]);
  assert.equal(scenes[1].t, 1);
  const chapter = { scenes: [{ key: 'x', t: 0 }] };
  assert.deepEqual(createOptimisticArrayUpdate('x', { t: 9 }, { field: 'scenes', idKey: 'key' })(chapter), { scenes: [{ key: 'x', t: 9 }] });
});
