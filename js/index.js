// The freshet entry point: loads the wasm module once and re-exports the cache class.
import init, { FreshetCache } from './freshet_wasm.js';

let ready;

/** Loads the wasm module (once). `wasm` may be a URL, a Response, bytes or a Module. */
export function initFreshet(wasm) {
  ready ??= init(wasm === undefined ? undefined : { module_or_path: wasm });
  return ready;
}

/** Creates a cache once the wasm module is loaded. */
export async function createCache(options = {}) {
  await initFreshet(options.wasm);
  return new FreshetCache(options);
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
