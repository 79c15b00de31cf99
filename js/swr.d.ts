import type { Cache as SWRCache } from 'swr';
import type { Cache, GetOptions } from './index.js';

/**
 * An SWR cache provider backed by `cache`: `<SWRConfig value={{ provider: () => freshetProvider(cache) }}>`.
 * URL keys (`/…`, `http…`) read freshet's memory and localStorage tiers and are revalidated when
 * an invalidation reaches freshet; other keys stay in SWR's own state.
 */
export declare function freshetProvider(cache: Cache): SWRCache<unknown>;

/** An SWR fetcher that reads `url` through `cache`, so responses are persisted and their headers applied. */
export declare function freshetFetcher<T = unknown>(cache: Cache, options?: GetOptions): (url: string) => Promise<T>;
