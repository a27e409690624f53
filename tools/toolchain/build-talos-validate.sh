#!/usr/bin/env bash
# Builds tools/talos-validate (Talos machinery v1.11.5: render + validate machine configs) into .toolchain/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN"
SRC_HASH="$(cat "$ROOT"/tools/talos-validate/{main.go,go.mod,go.sum} | sha256sum | cut -c1-16)"
if [ -x "$BIN/talos-validate-1.11" ] && [ "$(cat "$BIN/.talos-validate.hash" 2>/dev/null)" = "$SRC_HASH" ]; then exit 0; fi
(cd "$ROOT/tools/talos-validate" && go build -trimpath -o "$BIN/talos-validate-1.11" .)
echo "$SRC_HASH" > "$BIN/.talos-validate.hash"
