#!/usr/bin/env bash
# For the end-to-end and lifecycle tests only: builds the stand-in provider plugins into
# .toolchain/standins/ (each cached, tools/toolchain/cache.sh):
#  - pulumi-resource-standin (tests/standins): one binary that serves as talos, kubernetes and command
#    in previews, judged by the real schemas;
#  - pulumi-resource-command (tests/standins/command): pulumi-command 1.2.1's local.Command run for
#    real, on pulumi-go-provider v1.3.0 (tests/lifecycle);
#  - pulumi-resource-talos (tests/standins/talos-provider): the Talos provider that really creates,
#    on Talos machinery v1.13.0, against the Talos API stand-in (tests/lifecycle/talos-*.test.ts).
# Nothing is installed into a plugin home: tests/e2e/engine.ts and tests/lifecycle/harness.ts install
# them into each test project's throwaway PULUMI_HOME (the Cilium CRDs come from .toolchain/judges, see
# fetch-judges.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/.toolchain/standins"
mkdir -p "$OUT"

. "$ROOT/tools/toolchain/cache.sh"

# build <source folder> <binary name>: the folder's own Go files (a folder with a go.mod of its own is
# another module, built on its own)
build() {
  local src="$1" bin="$2" key
  # shellcheck disable=SC2046 # one argument per file
  key="$(cache_key "$src/go.mod" "$src/go.sum" $(cd "$src" && find . -name '*.go' -not -path './command/*' -not -path './talos-api/*' -not -path './talos-provider/*' -not -path './pve-api/*' | LC_ALL=C sort | sed "s|^\.|$src|"))"
  cache_fresh "standin-$bin" "$key" "$OUT/$bin" && return 0
  (cd "$src" && go build -trimpath -o "$OUT/$bin.new" .)
  mv "$OUT/$bin.new" "$OUT/$bin"
  cache_store "standin-$bin" "$key"
  echo "build-standins: ${OUT#$ROOT/}/$bin"
}
build "$ROOT/tests/standins" pulumi-resource-standin
build "$ROOT/tests/standins/command" pulumi-resource-command
build "$ROOT/tests/standins/talos-provider" pulumi-resource-talos
