//! TypeScript types of the option and result objects, emitted into the generated `.d.ts`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Lifetimes of one page type, in milliseconds. */
export interface PageTypeOptions {
  /** Served without revalidation for this long after arrival (writing 0, reading 5 min, community 30 s). */
  staleTime?: number;
  /** Never served, and not kept, after this long (writing 30 min, reading 60 min, community 30 min). */
  maxAge?: number;
  /** Serve an invalidated entry while its refetch runs, instead of waiting. Default false. */
  serveStaleWhenInvalidated?: boolean;
}

/** A route rule: page type and entity tags by request path. */
export interface RouteRule {
  /** Path pattern: literal segments, `:name` parameters, an optional final `*`. */
  pattern: string;
  /** Page type of matching entries (unknown names are `browse`). */
  pageType?: string;
  /** Tag templates, e.g. `scene:{id}`. */
  tags?: string[];
}

/** Options of `createCache`. */
export interface CacheOptions {
  /** Lifetimes by page type; the defaults are writing, reading, community, browse, publish, analytics. */
  pageTypes?: Record<string, PageTypeOptions>;
  /** Route rules, first match wins. */
  routes?: RouteRule[];
  /** Within this long after data arrived, reads do not start another request. Default 2000. */
  dedupingInterval?: number;
  /** Unobserved entries unused this long leave memory. Default 300000. */
  gcTime?: number;
  /** Most entries in memory. Default 10000. */
  maxEntries?: number;
  /** Most approximate bytes in memory. Default 32 MiB. */
  maxBytes?: number;
  /** Revalidate observed stale entries when the page regains focus. Default true. */
  revalidateOnFocus?: boolean;
  /** Revalidate observed stale entries when the browser comes back online. Default true. */
  revalidateOnReconnect?: boolean;
  /** At most one focus or reconnect revalidation per this interval. Default 5000. */
  focusThrottleInterval?: number;
  /** The `fetch` to use. Default: the global one. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** The page's origin (same-origin URLs are keyed by path). Default: `location.origin`. */
  origin?: string;
  /** Other origins whose invalidation headers are applied. Default: none (same-origin only). */
  invalidationOrigins?: string[];
  /** Accept a bare `*` in `X-Cache-Invalidate-Keys` as "everything". Default false. */
  allowInvalidateAll?: boolean;
  /** Exchange invalidations and wipes with the other tabs of the origin. Default true. */
  crossTab?: boolean;
  /** A 401 response from an origin whose headers count wipes the scope like `clear()`, in every tab. Default false. */
  clearOnUnauthorized?: boolean;
  /** Persist entries in localStorage. `false` keeps everything in memory. Default true. */
  storage?: boolean;
  /** First part of every localStorage key, and the name of the cross-tab channel. Default "freshet". */
  namespace?: string;
  /** The app's data version; records of another version are discarded. Default "1". */
  version?: string;
  /** The user whose data this is; other scopes' data is never visible. Default "anon". */
  scope?: string;
  /** Most bytes of records in localStorage. Default 2 MiB. */
  storageBudget?: number;
  /** Most bytes of one record; larger values stay in memory only. Default 256 KiB. */
  entryBudget?: number;
  /** Events, stats and health alerts; `false` turns recording off. Default on. */
  metrics?: boolean | MetricsOptions;
}

/** What `clear` empties; both by default (and then in every tab). */
export interface ClearOptions {
  /** Memory, requests in flight, optimistic layers and the prefetch queue, in this tab. Default true. */
  memory?: boolean;
  /** The scope's persisted records (shared by the origin's tabs). Default true. */
  storage?: boolean;
}

/** What `invalidate` names besides a single URL. */
export interface InvalidateSpec {
  /** Request URLs. */
  keys?: string[];
  /** Entity tags; a trailing `:*` is a prefix pattern (`story:42:*`). */
  tags?: string[];
  /** Page types (unknown names are ignored). */
  pageTypes?: string[];
  /** Request-key path prefixes, starting with `/`. */
  paths?: string[];
}

/** What `storageInfo()` tells about the localStorage tier. */
export interface StorageInfo {
  /** Whether records reach localStorage (false when disabled, missing or denied). */
  persistent: boolean;
  /** Why localStorage is not used, if it failed; null otherwise. */
  failure: string | null;
  /** Entries persisted in the current scope. */
  entries: number;
  /** Bytes of their records. */
  bytes: number;
  /** The current scope. */
  scope: string;
}

/** Options of one read. */
export interface GetOptions {
  /** Page type of the entry, over the route rules. */
  pageType?: string;
  /** Extra entity tags. */
  tags?: string[];
  /** Passed to `fetch`. */
  init?: RequestInit;
  /** Skip cached data and ask the server. */
  force?: boolean;
}

/** Options of `mutate`, named as in SWR and TanStack Query. */
export interface MutateOptions<T = unknown, R = unknown> {
  /** Shown at once: a value, or a function of the current value. A throw cancels the mutation. */
  optimisticData?: T | ((current: T | undefined) => T);
  /** The write: `{ url?, method, headers, body, ... }` sent through the cache's `fetch` (its
   * invalidation headers are applied; `url` defaults to the first key), or a function
   * returning a promise of a `Response` or of the result. */
  request?: (RequestInit & { url?: string }) | (() => Promise<Response | R>);
  /** Use the result as the new value (`true`), or compute it: `(result, current) => value`. Default false. */
  populateCache?: boolean | ((result: R, current: T | undefined) => T);
  /** Remove this mutation's layer when it fails (default true), or decide per error. */
  rollbackOnError?: boolean | ((error: unknown) => boolean);
  /** Refetch the keys after success unless the result populated them. Default true. */
  revalidate?: boolean;
  /** Reject on failure; `false` resolves with `undefined` instead. Default true. */
  throwOnError?: boolean;
  /** Mutations with the same scope send their requests one after another. */
  scope?: string;
}

/** Options of `set`. */
export interface SetOptions {
  pageType?: string;
  tags?: string[];
}

/** What `inspect` tells about an entry, without counting a use. */
export interface EntryInfo {
  key: string;
  state: "fresh" | "stale" | "invalidated" | "expired";
  pageType: string;
  tags: string[];
  /** Milliseconds since the data arrived. */
  age: number;
  /** Why it is not fresh, in words; null when fresh. */
  reason: string | null;
  /** What last changed it: fetched, revalidated, set, restored or invalidated. */
  cause: string;
  /** Bumped each time the value is replaced. */
  version: number;
  /** Approximate bytes. */
  size: number;
  /** Stored by a prefetch and not read by the app since. */
  prefetched: boolean;
}
"#;
