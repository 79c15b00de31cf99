#!/usr/bin/env bash
# Every test: formatting and lints, native `cargo test`, the browser tests of the Rust glue
# (`wasm-pack test --headless --chrome`), and the package's JS tests in headless Chromium
# against the demo server. Ends with one summary line over all runners.
source "$(dirname "$0")/env.sh"
set +e
log_dir=$(mktemp -d)
failed_steps=()

step() { # name, command...
  local name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee "$log_dir/$name.log"
  local status=${PIPESTATUS[0]}
  [ "$status" = 0 ] || failed_steps+=("$name")
}

step fmt cargo fmt --all -- --check
step clippy cargo clippy --all-targets --quiet -- -D warnings
# The wasm32-only code too (the allocator, the heap counter of the memory figure).
step clippy-wasm32 wasm_cargo_env cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
step native cargo test --quiet

# The demo server, for the Rust browser tests (cross-origin, CORS-enabled).
server_log="$log_dir/server.out"
node examples/server/server.mjs --port 0 >"$server_log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q 'freshet demo:' "$server_log" && break; sleep 0.1; done
server_url=$(sed -n 's/^freshet demo: \(http[^ ]*\)\/$/\1/p' "$server_log")
export FRESHET_TEST_SERVER=$server_url
step browser wasm_cargo_env wasm-pack test --headless --chrome -- --test browser

step build bash scripts/build.sh
# Brotli size of the core entry against SPEC §10's 60 KB (reported; `--check` would enforce it).
step size node scripts/size.mjs
step js node --test tests/js/ examples/server/ js/server/ js/optimistic.test.mjs

# One line over every runner: cargo's and wasm-bindgen-test's "test result" lines and node's.
passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  cat "$log_dir"/*.log | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p'
)
node_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log_dir/js.log" | tail -1)
node_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log_dir/js.log" | tail -1)
passed=$((passed + ${node_pass:-0})); failed=$((failed + ${node_fail:-0}))
rm -rf "$log_dir"
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]}"
  [ "$failed" -gt 0 ] || failed=1
fi
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ ${#failed_steps[@]} = 0 ]
