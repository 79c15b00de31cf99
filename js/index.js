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
// How long a memoized read is served without telling wasm (MEMO_SPAN in src/web/memo.rs).
const MEMO_SPAN = 1000;
let memory;
let cells;
let changes = new Uint32Array(0);
let times = new Float64Array(0);
// The key of a first read goes to wasm through this buffer (KEY_BUFFER in
// src/web/runtime/direct.rs), with no allocation or copy by the usual string glue.
const KEY_MAX = 512;
let keyBytes = new Uint8Array(0);

function views() {
  if (changes.length === 0 && memory && cells) {
    changes = new Uint32Array(memory.buffer, cells[0], 1);
    times = new Float64Array(memory.buffer, cells[1], 2);
    keyBytes = new Uint8Array(memory.buffer, cells[2], KEY_MAX);
  }
}

// Writes `url` into the key buffer if it is a key as it stands (a plain same-origin ASCII
// path: the fast path of normalize_key in src/core/key.rs); its length, else -1.
function writeKey(url) {
  const n = url.length;
  if (n > KEY_MAX || url.charCodeAt(0) !== 47 || url.charCodeAt(1) === 47) return -1;
  views();
  for (let i = 0; i < n; i++) {
    const c = url.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 35 /* # */ || c === 63 /* ? */) return -1;
    keyBytes[i] = c;
  }
  return n;
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
    // The reader of first reads from storage (src/web/runtime/direct.rs); null when nothing is
    // persisted.
    this._view = this.__directView() ?? null;
    // Set when a first read is queued for the runtime to restore (src/web/runtime/direct.rs).
    this._queued = new Uint32Array(0);
  }

  // (Re)binds the hit counter; a view goes empty when wasm memory grows, and the first read
  // through wasm after that (the memo misses then: its change counter view is empty too) rebinds it.
  _countHits() {
    if (this._hitCell !== 0 && memory) this._hits = new Uint32Array(memory.buffer, this._hitCell, 1);
  }

  _record(url) {
    let record = this._urls.get(url);
    if (record !== undefined && record.id < 0) {
      // Made by a first read served from storage: its key is interned when first needed.
      const n = this.__internKey(url);
      record.id = n < 0 ? -1 - n : n;
      if (n < 0) record.k = undefined;
    } else if (record === undefined) {
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
    return this._peekSlow(url, r);
  }

  // A memo miss, out of line: `peek` stays small enough for V8 to inline its hit path.
  _peekSlow(url, r) {
    if (r === undefined && this._view !== null) {
      const value = this._firstRead(url);
      if (value !== undefined) return value;
    }
    const record = this._record(url);
    const value = this.__peekId(record.id, record.k);
    remember(record, value);
    if (this._hits.length === 0) this._countHits();
    return value;
  }

  // A first read served from the record in storage, when wasm says its head alone decides
  // (the gate is then the generation of the reader to use); wasm restores it into memory
  // before anything else touches the cache (src/web/runtime/direct.rs). `undefined`: the read
  // goes through wasm.
  _firstRead(url) {
    const n = writeKey(url);
    if (n < 0) return undefined;
    const gate = this.__directGate(n);
    if (gate === 0) return undefined;
    let view = this._view;
    if (view.generation !== gate) {
      // The store keys changed (a new scope): a reader for the new ones.
      const fresh = this.__directView();
      if (fresh === undefined || fresh.generation !== gate) return undefined;
      view = this._view = fresh;
    }
    const now = Date.now();
    const value = view.read(url, now);
    if (value === undefined) return undefined;
    if (this._queued.length === 0) this._queued = new Uint32Array(memory.buffer, this.__directCell(), 1);
    if (this._queued[0] === 0) {
      this._queued[0] = 1;
      // The restore waits for the next task at the latest (or anything before it that reads or
      // changes the cache), so that first reads in a row return at once and the queue holding
      // their records stays short. A freed cache has nothing to restore.
      setTimeout(() => { if (this.__wbg_ptr !== 0) this.__adoptServed(); }, 0);
    }
    if (this._urls.size < MAX_RECORDS) {
      views();
      const until = Math.min(view.until, now + MEMO_SPAN);
      this._urls.set(url, { id: -1, k: url, v: value, u: until, f: until, g: changes[0] });
    }
    return value;
  }

  get(url, options) {
    if (options === undefined) {
      const r = this._urls.get(url);
      if (r !== undefined && r.g === changes[0] && r.f > Date.now()) {
        this._hits[0]++;
        return Promise.resolve(r.v);
      }
      if (r === undefined && this._view !== null) {
        const value = this._firstRead(url);
        if (value !== undefined) return Promise.resolve(value);
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

  /** Releases the cache at once (also `Symbol.dispose`); later calls throw `DESTROYED`. */
  free() {
    // Memoized reads would otherwise still answer.
    this._urls.clear();
    this._view = null;
    super.free();
  }

  mutate(urls, options) {
    if (typeof urls !== 'string') return super.mutate(urls, options);
    return this.__mutateId(this._record(urls).id, options);
  }
}

// A freed cache answers in JS. Entering wasm with a freed object makes wasm-bindgen throw from
// inside the module, and a throw leaves wasm's stack pointer where the call had moved it: each
// such call leaks its frame (about 50 bytes), and some 20,000 of them exhaust the 1 MiB stack,
// after which every call traps ("memory access out of bounds") for the whole page
// (wasm-bindgen issue #1959). So after `free()` every method throws the error a destroyed cache
// throws (`fetch` rejects with it), without entering wasm; `free()` and `destroy()` do nothing.
function freedError() {
  const error = new Error('the cache was freed');
  error.name = 'FreshetError';
  error.code = 'DESTROYED';
  return error;
}
{
  const proto = FreshetCache.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = Object.getOwnPropertyDescriptor(proto, name).value;
    if (name === 'constructor' || typeof method !== 'function') continue;
    if (name === 'free') {
      proto.free = function free() {
        if (this.__wbg_ptr === 0) return;
        try {
          method.call(this);
        } catch (_) {
          // Freed from inside one of its own calls (a subscriber's callback): wasm-bindgen then
          // frees it when that call ends, and says so by throwing. Nothing is wrong.
        }
      };
    } else if (name === 'destroy') {
      // Nothing left to stop: a cleanup that destroys after freeing is not an error.
      proto.destroy = function destroy() {
        if (this.__wbg_ptr !== 0) method.call(this);
      };
    } else if (name === 'fetch') {
      // Shaped like `fetch`, which never throws: a freed cache's fetch rejects.
      proto.fetch = function fetch(input, init, via) {
        if (this.__wbg_ptr === 0) return Promise.reject(freedError());
        return method.call(this, input, init, via);
      };
    } else if (method.length <= 4) {
      proto[name] = function (a, b, c, d) {
        if (this.__wbg_ptr === 0) throw freedError();
        return method.call(this, a, b, c, d);
      };
    } else {
      proto[name] = function (...args) {
        if (this.__wbg_ptr === 0) throw freedError();
        return method.apply(this, args);
      };
    }
  }
  if (typeof Symbol.dispose === 'symbol') proto[Symbol.dispose] = function dispose() { this.free(); };
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
