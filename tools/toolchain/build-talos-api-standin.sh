#!/usr/bin/env bash
# Builds the Talos machine-API stand-in the day-2 tests and the benchmark run talosctl against
# (tests/standins/talos-api, over the machinery module's API definitions) into .toolchain/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/.toolchain/bin"
SRC="$ROOT/tests/standins/talos-api"
mkdir -p "$BIN"
HASH="$(cat "$SRC"/*.go "$SRC"/go.mod "$SRC"/go.sum | sha256sum | cut -c1-16)"
if [ -x "$BIN/talos-api-standin" ] && [ "$(cat "$BIN/.talos-api-standin.hash" 2>/dev/null)" = "$HASH" ]; then exit 0; fi
(cd "$SRC" && go build -trimpath -o "$BIN/talos-api-standin" .)
echo "$HASH" > "$BIN/.talos-api-standin.hash"
