#!/usr/bin/env bash
# Installs everything freshet needs to build for wasm32 and to test in headless Chromium.
# Idempotent: every step checks first and skips what is already there, so a second run costs
# seconds. Writes .tools/env.sh, which the other scripts source.
#
# Two routes to a wasm32 toolchain (see shared/TOOLCHAIN.md):
#   rustup  the wasm32-unknown-unknown target is installed, or `rustup target add` can fetch it;
#   web     no download possible: Debian's rustc-web plus a std for wasm32 built from its sources,
#           linked as the rustup toolchain `web`.
# FRESHET_ROUTE=rustup|web forces one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"
log() { printf '[setup] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || { log "no apt-get: install $* yourself"; return 1; }
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Pinned in Cargo.toml with `=`; the CLI must match it exactly.
WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WB_VERSION" ] || { log "cannot read the wasm-bindgen pin from Cargo.toml"; exit 1; }

# --- 1. the wasm32 toolchain -------------------------------------------------------------------
web_sysroot=/usr/lib/rustlib/wasm32-unknown-unknown/lib
have_rustup_wasm() { rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; }
have_web_route() {
  ls "$web_sysroot"/libstd-*.rlib >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^web'
}

route=${FRESHET_ROUTE:-}
if [ -z "$route" ]; then
  if have_rustup_wasm; then route=rustup
  elif have_web_route; then route=web
  elif [ -f "$TOOLS/no-rustup-download" ]; then route=web
  else
    log "trying: rustup target add wasm32-unknown-unknown (45 s at most)"
    if timeout 45 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then route=rustup
    else touch "$TOOLS/no-rustup-download"; route=web; fi
  fi
fi
log "wasm32 route: $route"

if [ "$route" = web ] && ! have_web_route; then
  log "installing Debian's rustc-web, its std sources and lld"
  [ -d /usr/lib/rustlib/src/rust/library ] && command -v wasm-ld >/dev/null \
    || apt_install rustc-web cargo-web rust-web-src lld
  log "building std for wasm32 from source (about 30 s)"
  scratch=$(mktemp -d)
  (
    cd "$scratch"
    mkdir src && printf '#[test]\nfn t() {}\n' >src/lib.rs
    printf '[package]\nname = "sysroot_seed"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n' >Cargo.toml
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
      /usr/bin/cargo test -q --no-run --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,panic_unwind,test,proc_macro >/dev/null 2>"$scratch/err" \
      || { cat "$scratch/err" >&2; exit 1; }
  )
  as_root mkdir -p "$web_sysroot"
  find "$scratch/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libsysroot_seed-*' \
    -exec cp {} "$web_sysroot/" \;
  rm -rf "$scratch"
  rustup toolchain list | grep -q '^web' || rustup toolchain link web /usr
fi

# --- 2. Chromium and its driver ----------------------------------------------------------------
find_bin() { for b in "$@"; do command -v "$b" 2>/dev/null && return 0; done; return 1; }
chrome=${CHROME_BIN:-$(find_bin chromium chromium-browser google-chrome || true)}
driver=${CHROMEDRIVER:-$(find_bin chromedriver || true)}
if [ -z "$chrome" ] || [ -z "$driver" ]; then
  log "installing Debian's chromium and chromium-driver"
  apt_install chromium chromium-driver
  chrome=$(find_bin chromium chromium-browser google-chrome)
  driver=$(find_bin chromedriver)
fi

# --- 3. wasm-bindgen CLI (exact version) and wasm-pack -------------------------------------------
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  log "installing wasm-bindgen-cli $WB_VERSION (about 2 minutes)"
  cargo install -q wasm-bindgen-cli --version "$WB_VERSION" --force
fi
if ! command -v wasm-pack >/dev/null; then
  log "installing wasm-pack (about 3 minutes)"
  cargo install -q wasm-pack
fi

# --- 4. npm dev dependencies (test driver, benchmark baselines, wasm-opt) ------------------------
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi

# --- 5. the environment the other scripts source -----------------------------------------------
{
  echo "# written by scripts/setup.sh"
  echo "export FRESHET_ROUTE=$route"
  echo "export CHROME_BIN='$chrome'"
  echo "export CHROMEDRIVER='$driver'"
  echo "export PATH=\"\$HOME/.cargo/bin:\$PATH\""
  if [ "$route" = web ]; then
    # Only wasm builds use these; native cargo keeps the default toolchain.
    echo "export FRESHET_WASM_TOOLCHAIN=web"
    echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld"
  else
    echo "export FRESHET_WASM_TOOLCHAIN="
  fi
} >"$TOOLS/env.sh"
log "ready ($route route, chromium at $chrome)"
