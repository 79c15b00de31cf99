#!/usr/bin/env bash
# Where the shipped wasm's code bytes go (SPEC §10 size work), after wasm-opt: rebuilds the
# release module with names kept (wasm-bindgen --keep-debug, then scripts/build.sh's wasm-opt
# passes with -g), sums function bodies per area and lists the largest functions, or those
# whose name matches the pattern. Run after `bash scripts/build.sh`.
#   bash scripts/wasm-areas.sh [name-regex]
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$out" target/wasm32-unknown-unknown/release/freshet.wasm
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused -g --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-mutable-globals "$out/freshet_bg.wasm" -o "$out/named.wasm"
# Depth 99 keeps whole names (wasm-opt's name section holds demangled names, one per function).
node scripts/wasm-breakdown.mjs 99 "$out/named.wasm" --all > "$out/all.txt"
head -1 "$out/all.txt"
awk 'NR > 1 { size = $1; $1 = $2 = $3 = ""; n = $0; a = "other";
  if (n ~ /^ *freshet[a-z]*_[a-zA-Z]/) a = "exported-method shims";
  else if (n ~ /prefetch|Prefetch|predictor/) a = "prefetch";
  else if (n ~ /metrics|health|alert|Alert|export|stats|Stats|Recorder/) a = "metrics";
  else if (n ~ /freshet::store/) a = "store";
  else if (n ~ /freshet::web::broadcast/) a = "broadcast";
  else if (n ~ /freshet::web/) a = "web";
  else if (n ~ /freshet::bindings/) a = "bindings";
  else if (n ~ /freshet::core/) a = "core";
  else if (n ~ /hashbrown/) a = "hashbrown";
  else if (n ~ /BTree|btree/) a = "btree";
  else if (n ~ /js_sys::futures|wasm_bindgen_futures/) a = "futures";
  else if (n ~ /wasm_bindgen|js_sys|web_sys|wbg|externref/) a = "wasm-bindgen runtime";
  else if (n ~ /talc/) a = "allocator";
  else if (n ~ /fmt/) a = "fmt";
  else if (n ~ /alloc::|core::|std::/) a = "std";
  total[a] += size }
  END { for (a in total) printf "%8d  %s\n", total[a], a }' "$out/all.txt" | sort -rn
echo "--- largest functions${1:+ matching $1}"
if [ -n "${1:-}" ]; then grep -E "$1" "$out/all.txt" | head -60 || true; else sed -n 2,41p "$out/all.txt"; fi
