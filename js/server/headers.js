// Server-side helper: builds freshet's invalidation headers (SPEC §3) from an entity context.
//
// Pure ES module with no Node or browser APIs, so the same file runs in a Node server, an edge
// worker, or a browser test. The cascade mirrors the reference app: a write names its own entity
// and every container whose cached views show it (scene → chapter → story), plus the page types
// whose entries may show it (writing, and reading once the story is published).

/** Every entity type the helper knows. `comment` is the reference app's name for a reply. */
export const ENTITY_TYPES = Object.freeze([
  'story',
  'part',
  'chapter',
  'scene',
  'character',
  'setting',
  'post',
  'like',
  'reply',
  'comment',
]);

// Ids end up inside a comma-separated header, so a comma or a control character in one would
// silently become a different key on the client; refuse them loudly instead.
const UNSAFE_ID = /[,\u0000-\u001f\u007f]/;

function presentId(value, field) {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    throw new TypeError(`invalidationHeaders: ${field} must be a string, got ${typeof value}`);
  }
  if (UNSAFE_ID.test(value)) {
    throw new TypeError(`invalidationHeaders: ${field} contains a comma or control character`);
  }
  return value;
}

// Story-tree writes are seen by writers always, and by readers only once the story is published.
function storyPageTypes(context) {
  return context.published === true ? ['writing', 'reading'] : ['writing'];
}

// Returns [pageTypes, keyParts] for one context. A key part is [prefix, id] (the id is checked
// and skipped when missing) or a fixed key string such as `community:posts`.
function cascade(context) {
  const { entityType: type, entityId, storyId, chapterId, partId, postId } = context;
  switch (type) {
    case 'scene':
      return [
        storyPageTypes(context),
        [['scene', entityId], ['chapter', chapterId], ['part', partId], ['story', storyId]],
      ];
    case 'chapter':
      return [storyPageTypes(context), [['chapter', entityId], ['part', partId], ['story', storyId]]];
    case 'story':
      return [storyPageTypes(context), [['story', entityId ?? storyId]]];
    case 'part':
    case 'character':
    case 'setting':
      return [storyPageTypes(context), [[type, entityId], ['story', storyId]]];
    case 'post':
      return [['community'], [['post', entityId ?? postId], 'community:posts']];
    case 'like':
    case 'reply':
    case 'comment':
      // A like or reply changes the post it belongs to; entityId may already be that post's id.
      return [['community'], [['post', postId ?? entityId]]];
    default:
      throw new TypeError(`invalidationHeaders: unknown entityType ${JSON.stringify(type)}; ` +
        `expected one of ${ENTITY_TYPES.join(', ')}`);
  }
}

function isoTimestamp(timestamp) {
  if (timestamp === undefined || timestamp === null) return new Date().toISOString();
  const date = timestamp instanceof Date ? timestamp : new Date(timestamp);
  if (Number.isNaN(date.getTime())) {
    throw new TypeError(`invalidationHeaders: timestamp ${JSON.stringify(String(timestamp))} is not a date`);
  }
  return date.toISOString();
}

/**
 * Builds the response headers that tell freshet clients what a write changed.
 * Missing ids are skipped (never `story:undefined`); keys are deduplicated in cascade order.
 */
export function invalidationHeaders(context) {
  if (context === null || typeof context !== 'object') {
    throw new TypeError('invalidationHeaders: context must be an object');
  }
  const [pageTypes, parts] = cascade(context);
  const keys = new Set();
  for (const part of parts) {
    if (typeof part === 'string') {
      keys.add(part);
      continue;
    }
    const [prefix, rawId] = part;
    const id = presentId(rawId, prefix === context.entityType ? 'entityId' : `${prefix}Id`);
    if (id !== null) keys.add(`${prefix}:${id}`);
  }
  return {
    'X-Cache-Invalidate': pageTypes.join(','),
    'X-Cache-Invalidate-Keys': [...keys].join(','),
    'X-Cache-Invalidate-Timestamp': isoTimestamp(context.timestamp),
  };
}

/** Builds the `X-Cache-Tags` header for a read; empties dropped, duplicates kept once. */
export function cacheTagsHeader(tags) {
  if (tags === null || typeof tags !== 'object' || typeof tags[Symbol.iterator] !== 'function') {
    throw new TypeError('cacheTagsHeader: tags must be an array (or iterable) of strings');
  }
  const unique = new Set();
  for (const tag of tags) {
    if (typeof tag !== 'string') throw new TypeError('cacheTagsHeader: every tag must be a string');
    if (UNSAFE_ID.test(tag)) {
      throw new TypeError(`cacheTagsHeader: tag ${JSON.stringify(tag)} has a comma or control character`);
    }
    const trimmed = tag.trim();
    if (trimmed !== '') unique.add(trimmed);
  }
  return { 'X-Cache-Tags': [...unique].join(',') };
}
