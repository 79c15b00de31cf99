import type { CacheOptions, ClearOptions, EntryInfo, GetOptions, InvalidateSpec, MutateOptions, SetOptions, StorageInfo } from './freshet_wasm.js';
import type { PrefetchBatch, PrefetchLinksOptions, PrefetchStats } from './freshet_wasm.js';
import { FreshetCache } from './freshet_wasm.js';

export type {
  CacheOptions, ClearOptions, EntryInfo, GetOptions, InvalidateSpec, MutateOptions, PageTypeOptions, RouteRule, SetOptions, StorageInfo,
} from './freshet_wasm.js';
export type {
  CacheStats, HealthAlert, MetricsEvent, MetricsEventKind, MetricsOptions, MetricsTier, TierStats,
} from './freshet_wasm.js';
export type { PrefetchBatch, PrefetchLinksOptions, PrefetchOptions, PrefetchStats } from './freshet_wasm.js';

/** The shape of `fetch`. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
export { FreshetCache } from './freshet_wasm.js';

/** What `initFreshet` accepts: where the wasm module comes from. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** A freshet cache, typed for the values you store. Created by `createCache`. */
export declare class Cache extends FreshetCache {
  /** Releases the cache at once (also `Symbol.dispose`; again: nothing). Later calls throw `DESTROYED` (but `destroy()` does nothing). */
  free(): void;
  /** Reads `url` through the cache: memory when servable, else the network (deduplicated). */
  get<T = unknown>(url: string, options?: GetOptions): Promise<T>;
  /** The cached value if it may be shown now; `undefined` otherwise. Synchronous. */
  peek<T = unknown>(url: string): T | undefined;
  /** Runs a mutation with optimistic layers; resolves with the request's result. */
  mutate<T = unknown, R = unknown>(urls: string | string[], options?: MutateOptions<T, R>): Promise<R>;
  /** Stores `value` under `url` as confirmed data and notifies subscribers. */
  set<T>(url: string, value: T, options?: SetOptions): void;
  /** Calls `listener` with each new value of `url`; returns the unsubscribe function. */
  subscribe<T = unknown>(url: string, listener: (value: T) => void): () => void;
  /** Invalidates `url`, or what `spec` names: not served until refetched; refetched now if subscribed. */
  invalidate(what: string | InvalidateSpec): void;
  /** Invalidates entries carrying any of `tags`; `story:42:*` is a prefix pattern. */
  invalidateTags(tags: string[]): void;
  /** Invalidates every entry of the named page types (unknown names are ignored). */
  invalidatePageTypes(pageTypes: string[]): void;
  /**
   * `fetch` through the cache: the response's invalidation headers are applied (and a
   * successful write invalidates its URL) before the promise resolves with the response.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit, via?: FetchLike): Promise<Response>;
  /** Describes the entry of `url` without counting a use. */
  inspect(url: string): EntryInfo | undefined;
  /** Every request key in memory, sorted. */
  keys(): string[];
  /**
   * Empties memory, drops requests in flight and wipes the scope's persisted records, in every tab of the origin.
   * `{ memory: false }` / `{ storage: false }` keeps that tier, and only this tab acts.
   */
  clear(what?: ClearOptions): void;
  /** Switches the user: drops memory and requests in flight; only `scope`'s persisted data is visible. */
  setScope(scope: string): void;
  /** Writes pending localStorage changes now (otherwise at the end of the task, and on pagehide). */
  flush(): void;
  /** The state of the localStorage tier. */
  storageInfo(): StorageInfo;
  /** Stops listeners and timers; later reads reject. */
  destroy(): void;
  /** Prefetches `key` (skipped if fresh or in flight); resolves, never rejects, once done or skipped. */
  preload(key: string | string[]): Promise<void>;
  /** Prefetches `key` after the pointer rests on `element` for `delay` ms, or at once on touchstart. Returns the cancel function. */
  prefetchOnHover(element: Element, key: string | string[], options?: { delay?: number }): () => void;
  /** Prefetches `key` once `element` comes into view. Returns the cancel function. */
  prefetchOnVisible(element: Element, key: string | string[], options?: { rootMargin?: string }): () => void;
  /** Prefetches `keys` when the browser is idle (`requestIdleCallback`, or a timer where missing). Returns the cancel function. */
  prefetchOnIdle(keys: string | string[], options?: { timeout?: number }): () => void;
  /** Prefetches `keys`, at most `concurrency` at once; `done` resolves when all are done, `cancel()` drops the rest. */
  prefetchBatch(keys: string[], options?: { concurrency?: number }): PrefetchBatch;
  /** Wires every link under `root` matching `selector` (and links added later). Returns the function that unwires them. */
  prefetchLinks(root: Element, options: PrefetchLinksOptions): () => void;
  /** Feeds the predictor: at idle, the data of the likeliest next routes is prefetched (`prefetch.routeKeys`). */
  recordNavigation(route: string): void;
  /** Prefetch counters: issued, used, completed, failed, skipped by reason. */
  prefetchStats(): PrefetchStats;
}

export * from './optimistic.js';

/** Loads the wasm module (once); `createCache` calls it for you. */
export declare function initFreshet(wasm?: WasmSource): Promise<unknown>;

/** Creates a cache once the wasm module is loaded. */
export declare function createCache(options?: CacheOptions & { wasm?: WasmSource }): Promise<Cache>;

/** A `fetch` whose responses' invalidation headers `cache` applies before the caller sees them. */
export declare function wrapFetch(cache: Cache, fetchImpl?: FetchLike): FetchLike;
