#!/usr/bin/env bash
# Builds tools/talos-validate once per supported Talos minor into .toolchain/bin/talos-validate-<minor>,
# each against its own machinery release: one source, one module file per minor
# (`go build -modfile=machinery-<minor>.mod`), pinned to the release tools/versions.env names.
# Each binary is rebuilt only when its sources change (tools/toolchain/cache.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
SRC="$ROOT/tools/talos-validate"
BIN="$ROOT/.toolchain/bin"
. "$ROOT/tools/toolchain/cache.sh"
mkdir -p "$BIN"
for v in $TALOS_MACHINERY_VERSIONS; do
  minor="${v#v}"; minor="${minor%.*}"
  mod="$SRC/machinery-$minor.mod"
  if ! grep -Eq "^[[:space:]]*(require )?github.com/siderolabs/talos/pkg/machinery $v( |$)" "$mod" 2>/dev/null; then
    echo "build-talos-validate: ${mod#$ROOT/} must require github.com/siderolabs/talos/pkg/machinery $v (tools/versions.env);" \
      "after changing the pin run: (cd tools/talos-validate && go mod edit -require=github.com/siderolabs/talos/pkg/machinery@$v machinery-$minor.mod && go mod tidy -modfile=machinery-$minor.mod)" >&2
    exit 1
  fi
  out="$BIN/talos-validate-$minor"
  key="$(cache_key "$SRC"/*.go "$mod" "$SRC/machinery-$minor.sum")"
  cache_fresh "talos-validate-$minor" "$key" "$out" && continue
  (cd "$SRC" && go build -trimpath -modfile="machinery-$minor.mod" -o "$out.new" .)
  mv "$out.new" "$out"
  cache_store "talos-validate-$minor" "$key"
done
