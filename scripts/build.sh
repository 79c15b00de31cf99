#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack from the crate, binaryen's wasm-opt, then the JS
# entry points and package.json from js/ and pkg-template/.
source "$(dirname "$0")/env.sh"
profile=${FRESHET_PROFILE:-release}
wasm_cargo_env wasm-pack --quiet build --target web --"$profile" --weak-refs \
  --out-dir pkg --out-name freshet_wasm --no-pack >/dev/null
if [ "$profile" = release ]; then
  # wasm-pack's own wasm-opt run is off (Cargo.toml); this is binaryen from npm, not Debian's.
  # -Oz --converge for size (SPEC §10; hot reads are answered in JS, see Cargo.toml).
  # --low-memory-unused is sound here: rustc links the stack first, growing down from 1 MiB
  # towards address 0, and data starts at 1 MiB, so the low 1 KiB is reached only by a stack
  # overflow.
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-debug --strip-producers \
    --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-mutable-globals \
    pkg/freshet_wasm_bg.wasm -o pkg/freshet_wasm_bg.wasm
fi
cp js/index.js js/index.d.ts js/optimistic.js js/optimistic.d.ts js/server.js js/server.d.ts pkg/
# The debug overlay is its own entry point (freshet/overlay): the core entry never imports it.
cp js/overlay.js js/overlay.d.ts pkg/
cp js/swr.js js/swr.d.ts js/tanstack.js js/tanstack.d.ts pkg/
mkdir -p pkg/server && cp js/server/headers.js js/server/headers.d.ts pkg/server/
cp pkg-template/package.json pkg/
if [ "$profile" = release ]; then
  # The JS the core entry loads counts towards SPEC §10's budget too: minified, the wasm-bindgen
  # glue (whose JSDoc repeats our doc comments) loses about 40 % of its brotli size. Names that
  # cross module boundaries (exports, the wasm import object's keys) are kept by esbuild.
  # wasm-bindgen's import object names the snippet module once per import from it (the same
  # object each time): esbuild's duplicate-key warning about that says nothing new.
  for file in pkg/freshet_wasm.js pkg/index.js pkg/optimistic.js; do
    node_modules/.bin/esbuild "$file" --minify --format=esm --log-level=warning \
      --log-override:duplicate-object-key=silent \
      --outfile="$file" --allow-overwrite
  done
  # The JS glue module (src/web/glue.js, a wasm-bindgen snippet) goes into the glue, minified:
  # one file compresses better than two, and the package then needs no snippets/ directory.
  node_modules/.bin/esbuild pkg/freshet_wasm.js --bundle --minify --format=esm --log-level=error \
    --outfile=pkg/freshet_wasm.js --allow-overwrite
  rm -rf pkg/snippets
  # Short import names in the module and the glue (their hashed names do not compress).
  node scripts/short-imports.mjs pkg/freshet_wasm_bg.wasm pkg/freshet_wasm.js
  # TypeScript finds freshet_wasm.d.ts beside the file; Deno reads this header, which --minify drops.
  sed -i '1i /* @ts-self-types="./freshet_wasm.d.ts" */' pkg/freshet_wasm.js
fi
[ -f README.md ] && cp README.md pkg/
rm -f pkg/.gitignore
echo "built pkg/ ($(wc -c <pkg/freshet_wasm_bg.wasm) bytes of wasm)" >&2
