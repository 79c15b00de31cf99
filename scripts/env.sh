# Sourced by the other scripts: runs setup (idempotent, seconds when done) and loads its env.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source .tools/env.sh
# Runs a wasm32 build step with the toolchain the setup chose.
wasm_cargo_env() {
  if [ -n "${FRESHET_WASM_TOOLCHAIN:-}" ]; then RUSTUP_TOOLCHAIN=$FRESHET_WASM_TOOLCHAIN "$@"; else "$@"; fi
}
