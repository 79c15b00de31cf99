// Where the wasm's code bytes go, by crate and module: reads the function bodies and the name
// section of the module cargo builds (before wasm-bindgen and wasm-opt, so names are still there)
// and sums body sizes per path prefix of the mangled names. For size work (SPEC §10).
//   node scripts/wasm-breakdown.mjs [depth=2] [module] [--all]   (after `bash scripts/build.sh`)
// Raw bytes, before wasm-opt; wasm-bindgen later drops the `__wbindgen_describe*` functions.
// The 40 largest groups, or every one with --all. scripts/wasm-areas.sh gives the view after
// wasm-opt, by area.
import { readFileSync } from 'node:fs';
import { readU32 } from './leb128.mjs';

const SECTION_IMPORT = 2;
const SECTION_CODE = 10;
const SECTION_CUSTOM = 0;
const NAMES_FUNCTIONS = 1;

/** A cursor over the module's bytes with LEB128 reads. */
function reader(bytes) {
  let at = 8; // after the magic number and version
  return {
    get at() { return at; },
    set at(value) { at = value; },
    done: () => at >= bytes.length,
    byte: () => bytes[at++],
    u32() {
      const [value, next] = readU32(bytes, at);
      at = next;
      return value;
    },
    text(length) {
      const s = bytes.subarray(at, at + length).toString();
      at += length;
      return s;
    },
  };
}

/** Function body sizes (by function index) and names of a module. */
function functions(bytes) {
  const r = reader(bytes);
  let importedFunctions = 0;
  const sizes = [];
  const names = new Map();
  while (!r.done()) {
    const id = r.byte();
    const end = r.u32() + r.at;
    if (id === SECTION_IMPORT) {
      for (let n = r.u32(); n > 0; n--) {
        r.text(r.u32());
        r.text(r.u32());
        const kind = r.byte();
        if (kind === 0) { r.u32(); importedFunctions++; }
        else if (kind === 1) { r.byte(); if (r.byte() & 1) { r.u32(); r.u32(); } else r.u32(); }
        else if (kind === 2) { if (r.byte() & 1) { r.u32(); r.u32(); } else r.u32(); }
        else { r.byte(); r.byte(); }
      }
    } else if (id === SECTION_CODE) {
      for (let n = r.u32(); n > 0; n--) {
        const size = r.u32();
        sizes.push(size);
        r.at += size;
      }
    } else if (id === SECTION_CUSTOM && r.text(r.u32()) === 'name') {
      while (r.at < end) {
        const sub = r.byte();
        const subEnd = r.u32() + r.at;
        if (sub === NAMES_FUNCTIONS) {
          for (let n = r.u32(); n > 0; n--) {
            const index = r.u32();
            names.set(index, r.text(r.u32()));
          }
        }
        r.at = subEnd;
      }
    }
    r.at = end;
  }
  return sizes.map((size, i) => ({ size, name: names.get(i + importedFunctions) ?? '?' }));
}

/** The first `depth` path segments of a legacy-mangled Rust name (`_ZN7freshet4core…`). */
function group(name, depth) {
  if (name.startsWith('__wbindgen_describe')) return '__wbindgen_describe*';
  if (!name.startsWith('_ZN')) return name;
  const segments = [];
  let at = 3;
  while (at < name.length && /[0-9]/.test(name[at])) {
    let length = 0;
    while (/[0-9]/.test(name[at])) length = length * 10 + Number(name[at++]);
    segments.push(name.slice(at, at + length));
    at += length;
  }
  return segments.filter((s) => !/^h[0-9a-f]{16}$/.test(s)).slice(0, depth).join('::');
}

const args = process.argv.slice(2).filter((a) => a !== '--all');
const depth = Number(args[0] ?? 2);
const module = args[1] ?? 'target/wasm32-unknown-unknown/release/freshet.wasm';
const shown = process.argv.includes('--all') ? Infinity : 40;
const groups = new Map();
let total = 0;
for (const { size, name } of functions(readFileSync(module))) {
  const key = group(name, depth);
  groups.set(key, (groups.get(key) ?? 0) + size);
  total += size;
}
console.log(`${module}: ${total} bytes of function bodies`);
for (const [key, size] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, shown)) {
  console.log(`${String(size).padStart(8)}  ${(100 * size / total).toFixed(1).padStart(5)} %  ${key}`);
}
