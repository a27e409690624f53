#!/usr/bin/env bash
# Compiles the generated Talos SDK (sdks/talos, TypeScript) into sdks/talos/bin, which package.json's
# `file:sdks/talos` dependency loads. Skips when bin/ is newer than every source file.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/sdks/talos"
if [ -f "$OUT/bin/index.js" ] && [ -z "$(find "$OUT" -name '*.ts' ! -path '*/bin/*' -newer "$OUT/bin/index.js" -print -quit)" ]; then exit 0; fi
(cd "$OUT" && "$ROOT/node_modules/.bin/tsc" -p tsconfig.json --typeRoots "$ROOT/node_modules/@types")
# the generated utilities read the package version from bin/package.json, as the published package has it
cp "$OUT/package.json" "$OUT/bin/package.json"
