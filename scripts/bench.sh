#!/usr/bin/env bash
# The benchmark (SPEC §10), run by `npm run bench`: setup, pkg/ if it was never built, then
# bench/run.mjs, which prints the table and writes bench/results.json. Not part of the tests.
source "$(dirname "$0")/env.sh"
[ -f pkg/freshet_wasm_bg.wasm ] || bash scripts/build.sh
node bench/run.mjs
# Memory bookkeeping per entry (SPEC §10), native and as it ships in wasm32.
bash scripts/memory.sh
