#!/usr/bin/env bash
# For the end-to-end tests only: builds the stand-in provider plugin (tests/standins, one binary that
# serves as talos, kubernetes and command) into .toolchain/standins/. Nothing is installed into a
# plugin home: tests/e2e/engine.ts installs it into each test project's throwaway PULUMI_HOME, next to
# the schema it judges with (the Cilium CRDs come from .toolchain/judges, see fetch-judges.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/.toolchain/standins"
SRC="$ROOT/tests/standins"
HASH="$( (cd "$SRC" && cat go.mod go.sum *.go; go version) | sha256sum | cut -c1-16)"
if [ -x "$OUT/pulumi-resource-standin" ] && [ "$(cat "$OUT/.hash" 2>/dev/null)" = "$HASH" ]; then exit 0; fi
mkdir -p "$OUT"
(cd "$SRC" && go build -trimpath -o "$OUT/pulumi-resource-standin.new" .)
mv "$OUT/pulumi-resource-standin.new" "$OUT/pulumi-resource-standin"
echo "$HASH" > "$OUT/.hash"
echo "build-standins: stand-in provider plugin in ${OUT#$ROOT/}"
