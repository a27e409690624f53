#!/usr/bin/env bash
# Compiles the generated Talos SDK (sdks/talos, TypeScript) into sdks/talos/bin, which package.json's
# `file:sdks/talos` dependency loads. Cached (tools/toolchain/cache.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/sdks/talos"
. "$ROOT/tools/toolchain/cache.sh"
# a TypeScript build: the compiler is tsc, not Go (setup needs no Go on a machine with Pulumi installed)
CACHE_TOOL_VERSION="tsc $(node -p 'require(process.argv[1]).version' "$ROOT/node_modules/typescript/package.json")"
# shellcheck disable=SC2046 # one argument per source file
KEY="$(cache_key "$OUT/package.json" "$OUT/tsconfig.json" $(find "$OUT" -name '*.ts' ! -path '*/bin/*' ! -path '*/node_modules/*' | LC_ALL=C sort))"
cache_fresh talos-sdk "$KEY" "$OUT/bin/index.js" && exit 0
(cd "$OUT" && "$ROOT/node_modules/.bin/tsc" -p tsconfig.json --typeRoots "$ROOT/node_modules/@types")
# the generated utilities read the package version from bin/package.json, as the published package has it
cp "$OUT/package.json" "$OUT/bin/package.json"
cache_store talos-sdk "$KEY"
