import type { DehydratedState, QueryClient, QueryFunction, QueryKey } from '@tanstack/query-core';
import type { Cache, GetOptions } from './index.js';

/** What TanStack Query's persister stores: the same shape as `PersistedClient` of `@tanstack/query-persist-client-core`. */
export interface PersistedClient {
  timestamp: number;
  buster: string;
  clientState: DehydratedState;
}

/** TanStack Query's `Persister` interface (for `persistQueryClient` and `PersistQueryClientProvider`). */
export interface Persister {
  persistClient(persistedClient: PersistedClient): Promise<void>;
  restoreClient(): Promise<PersistedClient | undefined>;
  removeClient(): Promise<void>;
}

/** Options of `createFreshetPersister`. */
export interface FreshetPersisterOptions {
  /** Prefix of the record names (several clients can share one cache). Default `"tanstack"`. */
  key?: string;
  /** How long a record is kept, in ms; match `persistQueryClient`'s `maxAge`. Default 24 h. */
  maxAge?: number;
}

/**
 * A `Persister` that keeps one record per query in `cache`'s localStorage tier (the current
 * scope, its byte budget and quota handling), rewriting only queries that changed.
 */
export declare function createFreshetPersister(cache: Cache, options?: FreshetPersisterOptions): Persister;

/** The URL a query reads: `queryKey[0]` when it is a path (`/…`) or an absolute URL. */
export declare function queryUrl(queryKey: QueryKey): string | undefined;

/** A `queryFn` that reads `queryKey[0]` through `cache`; rejects for keys that name no URL. */
export declare function freshetQueryFn<T = unknown>(cache: Cache, options?: GetOptions): QueryFunction<T, QueryKey>;

/**
 * Keeps `client`'s URL-keyed queries in step with `cache`: a value freshet refetches after an
 * invalidation (header, other tab, `invalidate`) becomes the query's data. Returns a stop function.
 */
export declare function connectQueryClient(cache: Cache, client: QueryClient): () => void;
