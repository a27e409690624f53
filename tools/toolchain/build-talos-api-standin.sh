#!/usr/bin/env bash
# Builds the Talos machine-API stand-in the day-2 tests and the benchmark run talosctl against
# (tests/standins/talos-api, over the machinery module's API definitions) into .toolchain/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/.toolchain/bin"
SRC="$ROOT/tests/standins/talos-api"
mkdir -p "$BIN"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key "$SRC"/*.go "$SRC/go.mod" "$SRC/go.sum")"
cache_fresh talos-api-standin "$KEY" "$BIN/talos-api-standin" && exit 0
(cd "$SRC" && go build -trimpath -o "$BIN/talos-api-standin.new" .)
mv "$BIN/talos-api-standin.new" "$BIN/talos-api-standin"
cache_store talos-api-standin "$KEY"
