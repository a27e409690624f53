#!/usr/bin/env bash
# For the end-to-end and lifecycle tests only: builds the stand-in provider plugins into
# .toolchain/standins/ (each cached by a hash of its sources and the Go version):
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

# build <source folder> <binary name> <hash file>
build() {
  local src="$1" bin="$2" stamp="$OUT/$3" hash
  hash="$( (cd "$src" && cat go.mod go.sum $(find . -name '*.go' -not -path './command/*' -not -path './talos-api/*' | sort); go version) | sha256sum | cut -c1-16)"
  if [ -x "$OUT/$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then return 0; fi
  (cd "$src" && go build -trimpath -o "$OUT/$bin.new" .)
  mv "$OUT/$bin.new" "$OUT/$bin"
  echo "$hash" > "$stamp"
  echo "build-standins: ${OUT#$ROOT/}/$bin"
}
build "$ROOT/tests/standins" pulumi-resource-standin .hash
build "$ROOT/tests/standins/command" pulumi-resource-command .command.hash
build "$ROOT/tests/standins/talos-provider" pulumi-resource-talos .talos.hash
