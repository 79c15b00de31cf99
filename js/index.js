// The freshet entry point: loads the wasm module once and exports the cache.
import init, { FreshetCache } from './freshet_wasm.js';

// Hot reads cross into wasm with an interned integer id instead of the URL string: passing a
// string costs about as much as the lookup itself (SPEC §10). Ids are memoized per URL string,
// but only for URLs that do not depend on the page's location (relative ones are re-resolved).
const MAX_MEMOIZED_URLS = 50_000;

/** A freshet cache. `createCache` makes one once the wasm module is loaded. */
export class Cache extends FreshetCache {
  constructor(options) {
    super(options);
    this._ids = new Map();
  }

  _intern(url) {
    const id = this.__internKey(url);
    if (url.charCodeAt(0) === 47 /* '/' */ || url.startsWith('http')) {
      if (this._ids.size >= MAX_MEMOIZED_URLS) {
        this._ids.clear();
        this.__resetKeys();
        return this._intern(url);
      }
      this._ids.set(url, id);
    }
    return id;
  }

  peek(url) {
    const id = this._ids.get(url);
    return this.__peekId(id === undefined ? this._intern(url) : id);
  }

  get(url, options) {
    const id = this._ids.get(url);
    return this.__getId(id === undefined ? this._intern(url) : id, options);
  }
}

let ready;

/** Loads the wasm module (once). `wasm` may be a URL, a Response, bytes or a Module. */
export function initFreshet(wasm) {
  ready ??= init(wasm === undefined ? undefined : { module_or_path: wasm });
  return ready;
}

/** Creates a cache once the wasm module is loaded. */
export async function createCache(options = {}) {
  await initFreshet(options.wasm);
  return new Cache(options);
}

/**
 * A `fetch` that goes through `cache`: every response's invalidation headers are applied (and a
 * successful write invalidates its own URL) before the caller sees it. Same signature and
 * results as `fetchImpl` (default: the cache's own `fetch`).
 *   const fetch2 = wrapFetch(cache);            // or wrapFetch(cache, window.fetch)
 *   await fetch2('/studio/api/scenes/x', { method: 'PATCH', body });
 */
export function wrapFetch(cache, fetchImpl) {
  return (input, init) => cache.fetch(input, init, fetchImpl);
}

export { FreshetCache };
export {
  createOptimisticAppend, createOptimisticArrayUpdate, createOptimisticIncrement, createOptimisticMerge,
} from './optimistic.js';
