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

export { FreshetCache };
