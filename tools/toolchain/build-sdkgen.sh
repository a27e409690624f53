#!/usr/bin/env bash
# Builds tools/sdkgen (Node SDK generator over pulumi's pkg/v3 codegen) into .toolchain/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN"
SRC_HASH="$(cat "$ROOT"/tools/sdkgen/{main.go,go.mod,go.sum} | sha256sum | cut -c1-16)"
if [ -x "$BIN/sdkgen" ] && [ "$(cat "$BIN/.sdkgen.hash" 2>/dev/null)" = "$SRC_HASH" ]; then exit 0; fi
(cd "$ROOT/tools/sdkgen" && go build -trimpath -o "$BIN/sdkgen" .)
echo "$SRC_HASH" > "$BIN/.sdkgen.hash"
