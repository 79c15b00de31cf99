// The freshet entry point: loads the wasm module once and exports the cache.
import init, { FreshetCache, __memoCells } from './freshet_wasm.js';

// Hot reads. Passing a URL string into wasm, and the lookup behind it, cost about two
// `Map.get`s (SPEC §10), so each URL string seen gets a record here: the interned id of its key
// (numbers cross the boundary cheaply) and a memo of its last servable result. The memo answers
// while the runtime's change counter is unchanged (it is bumped after anything that can change
// an entry) and the clock is before the result's servable-until time (at most one second
// later, so the core still sees recency). See src/web/memo.rs. Relative URLs depend on the
// page's location, so they get no record.
const MAX_RECORDS = 50_000;
let memory;
let cells;
let changes = new Uint32Array(0);
let times = new Float64Array(0);

function views() {
  if (changes.length === 0 && memory && cells) {
    changes = new Uint32Array(memory.buffer, cells[0], 1);
    times = new Float64Array(memory.buffer, cells[1], 2);
  }
}

function remember(record, value) {
  views();
  record.v = value;
  record.u = times[0];
  record.f = times[1];
  record.g = changes[0];
}

const stable = (url) => url.charCodeAt(0) === 47 /* '/' */ || url.startsWith('http');

/** A freshet cache. `createCache` makes one once the wasm module is loaded. */
export class Cache extends FreshetCache {
  constructor(options) {
    super(options);
    this._urls = new Map();
    // Memo hits are counted here, in a cell of wasm memory that the metrics read when asked
    // (a plain array when metrics are off): no call into wasm per hit.
    this._hitCell = this.__metricsCell();
    this._hits = new Uint32Array(1);
    this._countHits();
  }

  // (Re)binds the hit counter; a view goes empty when wasm memory grows, and the first read
  // through wasm after that (the memo misses then: its change counter view is empty too) rebinds it.
  _countHits() {
    if (this._hitCell !== 0 && memory) this._hits = new Uint32Array(memory.buffer, this._hitCell, 1);
  }

  _record(url) {
    let record = this._urls.get(url);
    if (record === undefined) {
      // A negative answer means the key differs from `url`; otherwise `url` itself may name
      // the key's record (k) when a first read goes to storage.
      const n = this.__internKey(url);
      record = n < 0
        ? { id: -1 - n, k: undefined, v: undefined, u: 0, f: 0, g: -1 }
        : { id: n, k: url, v: undefined, u: 0, f: 0, g: -1 };
      if (stable(url)) {
        if (this._urls.size >= MAX_RECORDS) {
          this._urls.clear();
          this.__resetKeys();
          return this._record(url);
        }
        this._urls.set(url, record);
      }
    }
    return record;
  }

  peek(url) {
    const r = this._urls.get(url);
    if (r !== undefined && r.g === changes[0] && r.u > Date.now()) {
      this._hits[0]++;
      return r.v;
    }
    const record = this._record(url);
    const value = this.__peekId(record.id, record.k);
    remember(record, value);
    if (this._hits.length === 0) this._countHits();
    return value;
  }

  get(url, options) {
    if (options === undefined) {
      const r = this._urls.get(url);
      if (r !== undefined && r.g === changes[0] && r.f > Date.now()) {
        this._hits[0]++;
        return Promise.resolve(r.v);
      }
    }
    const record = this._record(url);
    const promise = this.__getId(record.id, options);
    if (this._hits.length === 0) this._countHits();
    // Only a fresh hit leaves a fresh-until time; anything else needs no second call.
    views();
    if (times[1] > 0) remember(record, this.__valueId(record.id));
    return promise;
  }

  mutate(urls, options) {
    if (typeof urls !== 'string') return super.mutate(urls, options);
    return this.__mutateId(this._record(urls).id, options);
  }
}

let ready;

/** Loads the wasm module (once). `wasm` may be a URL, a Response, bytes or a Module. */
export function initFreshet(wasm) {
  ready ??= init(wasm === undefined ? undefined : { module_or_path: wasm }).then((exports) => {
    memory = exports.memory;
    cells = __memoCells();
    return exports;
  });
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
