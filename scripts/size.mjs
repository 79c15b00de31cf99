// Prints the brotli size of each file the core entry (`freshet`, no overlay, no adapters) loads
// at run time, and their total against the SPEC §10 budget.
//   node scripts/size.mjs [--check] [pkgDir]   (after scripts/build.sh; --check exits 1 over budget)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const BUDGET = 60 * 1024;
// What `import { createCache } from 'freshet'` fetches: the entry, its imports, the wasm, and
// the inline-JS snippets the wasm-bindgen glue imports (snippets/<crate-hash>/inline<N>.js).
const CORE = ['index.js', 'optimistic.js', 'freshet_wasm.js', 'freshet_wasm_bg.wasm'];

/** The glue's snippet files, relative to `dir`. */
function snippets(dir) {
  let crates;
  try {
    crates = readdirSync(join(dir, 'snippets'));
  } catch {
    return [];
  }
  return crates.flatMap((c) => readdirSync(join(dir, 'snippets', c)).filter((f) => f.endsWith('.js')).map((f) => join('snippets', c, f)));
}

/** Brotli size at the quality CDNs use for static assets. */
export function brotliSize(bytes) {
  return brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
}

/** `[{ file, raw, brotli }]` for the core files of the package in `dir`. */
export function measure(dir) {
  return [...CORE, ...snippets(dir)].map((file) => {
    const bytes = readFileSync(join(dir, file));
    return { file, raw: bytes.length, brotli: brotliSize(bytes) };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const rows = measure(args.find((a) => a !== '--check') ?? 'pkg');
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const { file, raw, brotli } of rows) {
    console.log(`${file.padEnd(48)} ${kb(raw).padStart(10)} raw ${kb(brotli).padStart(9)} brotli`);
  }
  const total = rows.reduce((sum, r) => sum + r.brotli, 0);
  const verdict = total <= BUDGET ? 'within' : 'OVER';
  console.log(`core total: ${kb(total)} brotli (${total} bytes), ${verdict} the ${kb(BUDGET)} budget`);
  process.exit(check && total > BUDGET ? 1 : 0);
}
