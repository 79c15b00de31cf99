/** Entity types known to the invalidation helper. `comment` is an alias of `reply`. */
export type EntityType =
  | 'story'
  | 'part'
  | 'chapter'
  | 'scene'
  | 'character'
  | 'setting'
  | 'post'
  | 'like'
  | 'reply'
  | 'comment';

export declare const ENTITY_TYPES: readonly EntityType[];

/** An entity id; numbers are written in decimal. Must not contain commas or control characters. */
export type EntityId = string | number;

/** Describes one write so that its invalidation headers can be built. */
export interface InvalidationContext {
  entityType: EntityType;
  /** The written entity's id. For `like`/`reply`, the post id when `postId` is absent. */
  entityId?: EntityId | null;
  storyId?: EntityId | null;
  chapterId?: EntityId | null;
  partId?: EntityId | null;
  postId?: EntityId | null;
  /** The story is published: story-tree writes also invalidate the `reading` page type. */
  published?: boolean;
  /** When the server made the change; defaults to now. Strings are parsed by `Date`. */
  timestamp?: Date | string | number;
}

/** The headers of SPEC §3, ready to merge into a response. */
export interface InvalidationHeaders {
  /** Comma-joined page types, e.g. `writing,reading`. */
  'X-Cache-Invalidate': string;
  /** Comma-joined, deduplicated entity keys, e.g. `scene:s1c1x1,chapter:s1c1,story:s1`. */
  'X-Cache-Invalidate-Keys': string;
  /** ISO 8601 time of the change, e.g. `2025-11-02T12:34:56.789Z`. */
  'X-Cache-Invalidate-Timestamp': string;
}

/**
 * Builds the invalidation headers for a write, cascading like the reference app
 * (scene → chapter → story; post/like/reply → post, community).
 * @throws {TypeError} on an unknown entity type, an id with a comma or control character,
 *   or an invalid timestamp.
 */
export declare function invalidationHeaders(context: InvalidationContext): InvalidationHeaders;

/** The `X-Cache-Tags` header of a read. */
export interface CacheTagsHeader {
  'X-Cache-Tags': string;
}

/**
 * Builds the `X-Cache-Tags` header for a read: tags trimmed, empties dropped, duplicates kept once.
 * @throws {TypeError} when `tags` is not an iterable of strings or a tag contains a comma.
 */
export declare function cacheTagsHeader(tags: Iterable<string>): CacheTagsHeader;
