#!/usr/bin/env bash
# SPEC §10 memory figure: bookkeeping bytes per entry beyond key and value, over the scenario of
# benches/memory/scenario.rs. Run by `npm run bench` (and alone by `npm run bench:memory`).
source "$(dirname "$0")/env.sh"
# Native x86_64, a counting global allocator (benches/memory.rs): 8-byte pointers, not what ships.
cargo bench --quiet --bench memory
# What ships: wasm32 on the package's allocator, counted by the heap-count wrapper
# (tests/memory_wasm.rs, run in Node by wasm-bindgen-test-runner; it prints, never asserts).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner wasm_cargo_env \
  cargo test --release --target wasm32-unknown-unknown --features heap-count \
  --test memory_wasm -- --nocapture | sed -n '/^wasm32 \|^  /p'
