import type { CacheOptions, GetOptions } from './freshet_wasm.js';
import { FreshetCache } from './freshet_wasm.js';

export type { CacheOptions, EntryInfo, GetOptions, PageTypeOptions, RouteRule, SetOptions } from './freshet_wasm.js';
export { FreshetCache } from './freshet_wasm.js';

/** What `initFreshet` accepts: where the wasm module comes from. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** A freshet cache, typed for the values you store. Created by `createCache`. */
export declare class Cache extends FreshetCache {
  /** Reads `url` through the cache: memory when servable, else the network (deduplicated). */
  get<T = unknown>(url: string, options?: GetOptions): Promise<T>;
  /** The cached value if it may be shown now; `undefined` otherwise. Synchronous. */
  peek<T = unknown>(url: string): T | undefined;
}

/** Loads the wasm module (once); `createCache` calls it for you. */
export declare function initFreshet(wasm?: WasmSource): Promise<unknown>;

/** Creates a cache once the wasm module is loaded. */
export declare function createCache(options?: CacheOptions & { wasm?: WasmSource }): Promise<Cache>;
