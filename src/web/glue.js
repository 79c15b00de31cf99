// The JS side of freshet's browser glue: every function the Rust code imports with
// `#[wasm_bindgen(module = "/src/web/glue.js")]`, in one module. One file, not an `inline_js`
// snippet per extern block: wasm-bindgen emits one module per snippet, and with nine of them the
// wasm-bindgen-test runner's page failed to finish loading in about one run of three
// ("Loading scripts…", then ChromeDriver's "Timed out receiving message from renderer").
// Each section names the Rust file whose extern block documents its functions.
//
// No function here that wasm calls may throw: an exception thrown through wasm frames skips
// their epilogues and destructors, which leaks wasm stack and leaves borrows held. Whatever
// touches the app's values (getters and proxies can throw) catches, or is imported with
// `catch` on the Rust side.

// --- src/web/runtime.rs
const has = Object.prototype.hasOwnProperty;
// The length JSON.stringify would give, walked instead of built: a string counts its length
// without being copied or scanned (escapes are not counted). -1: left out of an object;
// -2: something the walk does not model (toJSON, BigInt, very deep or very large: shared
// objects could make the walk far longer than the value), so stringify decides.
let budget = 0;
function jsonLength(v, depth) {
  if (--budget < 0) return -2;
  switch (typeof v) {
    case 'string': return v.length + 2;
    case 'number': return Number.isFinite(v) ? String(v).length : 4;
    case 'boolean': return v ? 4 : 5;
    case 'object': break;
    case 'bigint': return -2;
    default: return -1;
  }
  if (v === null) return 4;
  if (depth > 32 || typeof v.toJSON === 'function') return -2;
  let n = 1;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const m = jsonLength(v[i], depth + 1);
      if (m === -2) return -2;
      n += (m < 0 ? 4 : m) + 1;
    }
    return v.length === 0 ? 2 : n;
  }
  for (const k in v) {
    if (!has.call(v, k)) continue;
    const m = jsonLength(v[k], depth + 1);
    if (m === -2) return -2;
    if (m >= 0) n += k.length + 3 + m + 1;
  }
  return n === 1 ? 2 : n;
}
export function freshetJsonLength(value) {
  budget = 100000;
  let n = -2;
  try { n = jsonLength(value, 0); } catch (_) { /* a getter threw: stringify decides */ }
  if (n >= 0) return n;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : text.length;
  } catch (_) {
    return 0;
  }
}
export function freshetCallQuietly(f, value) {
  try { f(value); } catch (_) {}
}
export function freshetQuietly(promise) {
  return promise.catch(() => {});
}
export function freshetResolve(url) {
  try { return new URL(url, window.location.href).href; } catch (_) { return undefined; }
}
export function freshetDescribe(e) {
  try {
    if (typeof e === 'string') return e;
    if (e instanceof Error) return String(e.message);
    return JSON.stringify(e) ?? String(e);
  } catch (_) {
    return typeof e;
  }
}
// A copy of `value` if it is an array whose items can be read; else undefined.
export function freshetArray(value) {
  try { return Array.isArray(value) ? Array.from(value) : undefined; } catch (_) { return undefined; }
}

// --- src/web/runtime/persist.rs
export function freshetConditional(init, etag, modified) {
  const copy = {};
  const given = typeof init === 'object' && init !== null;
  // `new Headers(init.headers)` accepts every form `fetch` does (Headers, pairs, a record).
  // An init that cannot be read goes as it is: `fetch` then says what is wrong with it.
  let headers;
  try {
    if (given) Object.assign(copy, init);
    headers = new Headers(given ? init.headers : undefined);
  } catch (_) {
    return init;
  }
  // Validators we stored came from response headers; a failure would only drop the condition.
  try { if (etag != null) headers.set('If-None-Match', etag); } catch (_) {}
  try { if (modified != null) headers.set('If-Modified-Since', modified); } catch (_) {}
  copy.headers = headers;
  return copy;
}

// --- src/web/runtime/mutate.rs
export async function freshetOutcome(sent) {
  const response = await sent;
  if (!(typeof Response === 'function' && response instanceof Response)) return [0, response];
  if (!response.ok) return [1, response.url, response.status];
  const type = response.headers.get('content-type');
  const json = type !== null && type.includes('json') && response.status !== 204;
  return [0, json ? await response.json() : undefined];
}

// --- src/web/runtime/apply.rs
export function freshetRequestInfo(input, init) {
  try {
    const request = typeof Request === 'function' && input instanceof Request;
    let method = typeof init === 'object' && init !== null ? init.method : undefined;
    if (typeof method !== 'string') method = request ? input.method : 'GET';
    // A URL object, or anything with a useful toString.
    const url = typeof input === 'string' ? input
      : request ? input.url
      : input instanceof Object ? String(input) : '';
    return [method.toUpperCase(), url];
  } catch (_) {
    // Unreadable (a getter or toString threw): no URL to act on; `fetch` itself then fails.
    return ['GET', ''];
  }
}

// --- src/web/prefetch.rs
export function freshetTriggers(call) {
  // id -> [element whose removal ends the trigger, or null; functions that undo it]
  const all = new Map();
  const waiting = new Map();
  let watch = null, predict = null, closed = false, freed = false;
  // One argument: the runtime's closure then shares its type (and glue) with others.
  const send = (op, id, value) => { if (!freed) call([op, id, value]); };
  const end = (id) => {
    const trigger = all.get(id);
    if (trigger) { all.delete(id); for (const stop of trigger[1]) stop(); }
  };
  // Once when the browser is idle; a short timer where requestIdleCallback is missing (Safari).
  const later = (fn, timeout) => {
    if (typeof requestIdleCallback === 'function') {
      const handle = requestIdleCallback(fn, timeout < 0 ? {} : { timeout });
      return () => cancelIdleCallback(handle);
    }
    const handle = setTimeout(fn, 50);
    return () => clearTimeout(handle);
  };
  const listen = (stops, target, type, fn, options) => {
    target.addEventListener(type, fn, options);
    stops.push(() => target.removeEventListener(type, fn, options));
  };
  // Triggers end when their element leaves the document (checked after the task that removed
  // it, so an element moved within one task keeps its trigger).
  const add = (id, element, stops) => {
    all.set(id, [element, stops]);
    if (element && !watch) {
      watch = new MutationObserver((records) => {
        if (!records.some((r) => r.removedNodes.length > 0)) return;
        for (const [id, [e]] of all) if (e && !e.isConnected) end(id);
        for (const [e] of all.values()) if (e) return;
        watch.disconnect();
        watch = null;
      });
      watch.observe(document, { childList: true, subtree: true });
    }
  };
  const hover = (stops, element, keys, delay, id) => {
    let timer;
    const stop = () => clearTimeout(timer);
    const fire = () => send(0, id, keys);
    // Keyboard focus is intent too.
    for (const [enter, leave] of [['pointerenter', 'pointerleave'], ['focus', 'blur']]) {
      listen(stops, element, enter, () => { stop(); if (delay) timer = setTimeout(fire, delay); else fire(); });
      listen(stops, element, leave, stop);
    }
    listen(stops, element, 'touchstart', () => { stop(); fire(); }, { passive: true });
    stops.push(stop);
  };
  // Links: hover listens once on the root (events bubble up from every link, present or
  // future); visible observes each link, and a MutationObserver adds links inserted later.
  const links = (stops, root, keys, delay, selector, margin, visible, id) => {
    root.matches(selector); // a bad selector throws here, at the call, not in every event
    const fire = (link) => {
      let value;
      try {
        const href = link.href;
        value = keys(typeof href === 'string' ? href : link.getAttribute('href') ?? '', link);
      } catch {}
      send(0, id, value);
    };
    const linkOf = (target) => {
      const link = target instanceof Element ? target.closest(selector) : null;
      return link && root.contains(link) ? link : null;
    };
    if (visible) {
      const io = new IntersectionObserver((entries) => {
        for (const entry of entries) if (entry.isIntersecting) { io.unobserve(entry.target); fire(entry.target); }
      }, { rootMargin: margin });
      const each = (node, fn) => {
        if (!(node instanceof Element)) return;
        if (node.matches(selector)) fn(node);
        node.querySelectorAll(selector).forEach(fn);
      };
      each(root, (l) => io.observe(l));
      const mo = new MutationObserver((records) => {
        for (const r of records) {
          r.addedNodes.forEach((n) => each(n, (l) => io.observe(l)));
          r.removedNodes.forEach((n) => each(n, (l) => io.unobserve(l)));
        }
      });
      mo.observe(root, { childList: true, subtree: true });
      stops.push(() => { mo.disconnect(); io.disconnect(); });
      return;
    }
    let on = null, timer;
    const stop = () => clearTimeout(timer);
    // Keyboard focus is intent too: focus events bubble as focusin / focusout.
    for (const [over, out] of [['pointerover', 'pointerout'], ['focusin', 'focusout']]) {
      listen(stops, root, over, (e) => {
        const link = linkOf(e.target);
        if (!link || link === on) return; // still on the same link (moved between its children)
        stop();
        on = link;
        if (delay) timer = setTimeout(() => fire(link), delay); else fire(link);
      });
      listen(stops, root, out, (e) => {
        const link = linkOf(e.target);
        const related = e.relatedTarget;
        if (!link || (related instanceof Node && link.contains(related))) return;
        if (link === on) { stop(); on = null; }
      });
    }
    listen(stops, root, 'touchstart', (e) => { const link = linkOf(e.target); if (link) fire(link); }, { passive: true });
    stops.push(stop);
  };
  return {
    // kind: 0 none, 1 hover, 2 visible, 3 idle, 4 links by hover, 5 links when visible.
    on(kind, id, element, keys, delay, selector, margin) {
      const stops = [];
      keys = typeof keys === 'function' ? keys : [].concat(keys);
      if (kind === 1) hover(stops, element, keys, delay, id);
      else if (kind === 2) {
        const io = new IntersectionObserver((entries) => {
          // Once is enough: the observer goes (the keys already offered stay queued).
          if (entries.some((e) => e.isIntersecting)) { send(0, id, keys); end(id); }
        }, { rootMargin: margin });
        io.observe(element);
        stops.push(() => io.disconnect());
      } else if (kind === 3) stops.push(later(() => { send(0, id, keys); end(id); }, delay));
      else if (kind > 3) links(stops, element, keys, delay, selector, margin, kind === 5, id);
      if (closed || kind === 0) for (const stop of stops) stop();
      else add(id, kind === 3 ? null : element, stops);
      return () => { end(id); send(2, id); };
    },
    // A promise for owner id, resolved by done(id).
    wait(id) {
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    done(id) {
      const resolve = waiting.get(id);
      waiting.delete(id);
      if (resolve) resolve();
    },
    // Tells the runtime when the request of a prefetch settles (1: with data).
    after(promise, key) {
      promise.then(() => send(3, 1, key), () => send(3, 0, key));
    },
    // 0: how many triggers; 1: prefetch predictions at idle (replacing a pending one);
    // 2: end every trigger (destroy); 3: the runtime is gone.
    op(code) {
      if (code === 1) {
        if (predict) predict();
        predict = later(() => { predict = null; send(1, 0); }, 2000);
      } else if (code > 1) {
        for (const id of [...all.keys()]) end(id);
        if (predict) predict();
        if (watch) watch.disconnect();
        watch = predict = null;
        closed = true;
        freed = code === 3;
      }
      return all.size;
    },
  };
}

// --- src/web/local_storage.rs
let head = null;
export function freshetReadRecord(storage, prefix, key) {
  const text = storage.getItem(prefix + key);
  if (text === null) { head = null; return undefined; }
  const a = text.indexOf('\n');
  const b = a < 0 ? -1 : text.indexOf('\n', a + 1);
  const c = b < 0 ? -1 : text.indexOf('\n', b + 1);
  if (c < 0) { head = ''; return undefined; }
  // The body kind is the meta line's seventh field ("j" or "t").
  let t = b;
  for (let n = 0; n < 6 && t >= 0; n++) t = text.indexOf('\t', t + 1);
  const body = text.slice(c + 1);
  head = text.slice(0, c + 1) + body.length;
  if (t < 0 || text.charCodeAt(t + 1) !== 106 /* j */) return body;
  try { return JSON.parse(body); } catch (_) { return undefined; }
}
export function freshetTakeHead() {
  const h = head;
  head = null;
  return h;
}
export function freshetSetRecord(storage, key, head, body) {
  storage.setItem(key, head + body);
}

// --- src/web/runtime/direct.rs
// A record's meta line as src/store/codec.rs writes it, up to its newline: page type, received,
// server time, stale at, expires at (decimal), fingerprint (hex), body kind, ETag,
// Last-Modified, tags (joined by U+001F). Stricter than the decoder there: what passes here
// passes there. Sticky, so that it runs on the record itself from the meta line's start.
const META = /([^\t\n]+)\t(\d{1,15})\t\d{1,15}\t(\d{1,15})\t(\d{1,15})\t[0-9a-fA-F]{1,16}\t([jt])\t[^\t\n]*\t[^\t\n]*\t(?:[^\t\n\x1f]+(?:\x1f[^\t\n\x1f]+)*)?\n/y;
export function freshetDirectView(storage, prefix, maxAges, tolerance, queue, generation) {
  const lifetimes = new Map();
  for (let i = 0; i + 1 < maxAges.length; i += 2) lifetimes.set(maxAges[i], maxAges[i + 1]);
  // Unknown page types are read as browse (PageTypes::resolve).
  const browse = lifetimes.get('browse');
  return {
    generation,
    // Until when the value last served may be served as fresh.
    until: 0,
    // The value of `key`'s record if its head alone says it may be served fresh at `now`;
    // queued (key, value, head, body length, time) for the runtime to restore.
    // `undefined`: let the runtime read it.
    read(key, now) {
      let text;
      try { text = storage.getItem(prefix + key); } catch (_) { return undefined; }
      if (typeof text !== 'string' || text.indexOf('\n') !== 9 || !text.startsWith('freshet:1')
        || !text.startsWith(key, 10) || text.charCodeAt(10 + key.length) !== 10) return undefined;
      META.lastIndex = 11 + key.length;
      const m = META.exec(text);
      if (m === null) return undefined;
      const maxAge = lifetimes.get(m[1]) ?? browse;
      const received = +m[2], stale = +m[3], expires = +m[4];
      if (!(received <= stale && stale <= expires && now < stale && received <= now + tolerance
        && expires - received <= maxAge)) return undefined;
      const end = META.lastIndex - 1;
      let value = text.slice(end + 1);
      if (m[5] === 'j') {
        try { value = JSON.parse(value); } catch (_) { return undefined; }
      }
      // The head alone is kept (not the record it is a slice of): concatenating and slicing
      // again makes V8 copy those characters into a string of their own.
      queue.push(key, value, (' ' + text.slice(0, end)).slice(1), text.length - end - 1, now);
      this.until = stale;
      return value;
    },
  };
}

// --- src/web/local_storage.rs (2)
export function freshetReadIndex(storage, indexKey, segmentPrefix, max, out) {
  const index = storage.getItem(indexKey);
  const segments = [];
  for (let n = 0; n < max; n++) {
    const text = storage.getItem(segmentPrefix + n);
    if (text === null) break;
    segments.push(text);
  }
  out[0] = index;
  out[1] = segments.length;
  out[2] = segments.join('\0');
}

// --- src/web/fetch.rs
export function freshetGlobalFetch() {
  const fetch = globalThis.fetch;
  return typeof fetch === 'function' ? fetch.bind(globalThis) : undefined;
}
export async function freshetSend(fetch, url, init) {
  let stage = 0;
  try {
    const response = await fetch(url, init);
    stage = 1;
    if (!(response instanceof Response)) throw undefined;
    stage = 2;
    const { status, headers } = response;
    const text = await response.text();
    return [status, headers, typeof text === 'string' ? text : ''];
  } catch (e) {
    throw [stage, e];
  }
}

// --- src/bindings/options.rs
export function freshetShape(object, names) {
  if (object === undefined) return 0;
  if (typeof object !== 'object' || object === null) return -1;
  let shape = 0;
  for (let i = 0; i < names.length; i++) {
    let v;
    try { v = object[names[i]]; } catch (_) { return -1; }
    const t = typeof v;
    const kind = v === undefined ? 0 : v === null ? 1 : v === true ? 2 : v === false ? 3
      : t === 'function' ? 4 : t === 'object' ? 5 : t === 'string' ? 6 : 7;
    shape |= kind << (3 * i);
  }
  return shape;
}
