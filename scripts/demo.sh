#!/usr/bin/env bash
# Sets up, builds the package and starts the demo server; prints the URL to open.
source "$(dirname "$0")/env.sh"
bash scripts/build.sh
exec node examples/server/server.mjs --port "${PORT:-8787}"
