#!/usr/bin/env bash
# Builds tools/sdkgen (Node SDK generator over pulumi's pkg/v3 codegen) into .toolchain/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key "$ROOT"/tools/sdkgen/{main.go,go.mod,go.sum})"
cache_fresh sdkgen "$KEY" "$BIN/sdkgen" && exit 0
(cd "$ROOT/tools/sdkgen" && go build -trimpath -o "$BIN/sdkgen.new" .)
mv "$BIN/sdkgen.new" "$BIN/sdkgen"
cache_store sdkgen "$KEY"
