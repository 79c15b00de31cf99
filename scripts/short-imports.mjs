// Renames the wasm module's imports to short names, in the module and in its JS glue alike
// (SPEC §10 size work, release builds only): wasm-bindgen names each imported function
// `__wbg_<name>_<16 hex digits>`, and those random digits, written once in the module's import
// section and once more as keys of the glue's import object, are about the only bytes brotli
// cannot shrink. The import modules become one-letter names too.
//   node scripts/short-imports.mjs pkg/freshet_wasm_bg.wasm pkg/freshet_wasm.js
// A name is renamed only where the glue spells it exactly once (as its key in the import
// object); anything else is left as it was, so a glue of another shape still works.
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeU32 as leb, readU32 as u32 } from './leb128.mjs';

const SECTION_IMPORT = 2;

function name(text) {
  const bytes = Buffer.from(text, 'utf8');
  return [...leb(bytes.length), ...bytes];
}

/** Short names in order: a, b, …, z, A, …, Z, aa, ab, … (never a JS reserved word). */
function* shortNames() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (let length = 1; ; length++) {
    const counter = new Array(length).fill(0);
    for (;;) {
      const text = counter.map((i) => alphabet[i]).join('');
      if (!['do', 'if', 'in'].includes(text)) yield text;
      let i = length - 1;
      while (i >= 0 && ++counter[i] === alphabet.length) counter[i--] = 0;
      if (i < 0) break;
    }
  }
}

/** Where the import section is and what it holds. */
function readImports(bytes) {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = u32(bytes, at + 1);
    if (id === SECTION_IMPORT) {
      const imports = [];
      let [count, p] = u32(bytes, body);
      for (let i = 0; i < count; i++) {
        const fields = [];
        for (let f = 0; f < 2; f++) {
          const [len, start] = u32(bytes, p);
          fields.push(bytes.subarray(start, start + len).toString('utf8'));
          p = start + len;
        }
        const descStart = p;
        const kind = bytes[p++];
        if (kind === 0) [, p] = u32(bytes, p); // function: type index
        else if (kind === 1 || kind === 2) {
          if (kind === 1) p++; // table: element type
          const flags = bytes[p++];
          [, p] = u32(bytes, p);
          if (flags & 1) [, p] = u32(bytes, p);
        } else if (kind === 3) p += 2; // global: value type, mutability
        else throw new Error(`unknown import kind ${kind}`);
        imports.push({ module: fields[0], field: fields[1], desc: bytes.subarray(descStart, p) });
      }
      return { start: at, end: body + size, imports };
    }
    at = body + size;
  }
  return null;
}

const count = (text, literal) => text.split(literal).length - 1;

const [wasmPath, jsPath] = process.argv.slice(2);
const bytes = readFileSync(wasmPath);
let js = readFileSync(jsPath, 'utf8');
const section = readImports(bytes);
if (!section) process.exit(0);

// Module names: a quoted key of the import object, one or more times (wasm-bindgen repeats the
// snippet module's key once per function it imports from it).
const modules = new Map();
const moduleNames = shortNames();
for (const { module } of section.imports) {
  if (modules.has(module)) continue;
  const quoted = JSON.stringify(module);
  if (count(js, quoted) === 0) {
    modules.set(module, module);
    continue;
  }
  let short;
  do short = moduleNames.next().value;
  while (count(js, JSON.stringify(short)) > 0);
  modules.set(module, short);
  js = js.split(quoted).join(JSON.stringify(short));
}
// Function names: wasm-bindgen's own only (a snippet's are the names its module exports).
const names = shortNames();
const renamed = section.imports.map((entry) => {
  const module = modules.get(entry.module);
  let field = entry.field;
  if (/^__wbg_|^__wbindgen_/.test(field)) {
    const key = new RegExp(`(?<![\\w$])${field}(?![\\w$])`, 'g');
    if ((js.match(key) ?? []).length === 1) {
      // The other keys of the import object all start with `__`: no short name is one.
      field = names.next().value;
      js = js.replace(key, field);
    }
  }
  return [...name(module), ...name(field), ...entry.desc];
});
const body = [...leb(section.imports.length), ...renamed.flat()];
const out = Buffer.concat([
  bytes.subarray(0, section.start),
  Buffer.from([SECTION_IMPORT, ...leb(body.length), ...body]),
  bytes.subarray(section.end),
]);
// The module must still compile against the same imports, now by their new names.
new WebAssembly.Module(out);
writeFileSync(wasmPath, out);
writeFileSync(jsPath, js);
