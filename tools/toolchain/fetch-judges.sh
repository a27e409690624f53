#!/usr/bin/env bash
# Fetches the external judges the tests validate against into .toolchain/judges (git-ignored): Talos's
# machine-config JSON schemas and Cilium's CRDs, from the Go modules pinned in tools/versions.env.
# `go mod download` checks each module against the checksum database (GOSUMDB) and caches it in
# GOMODCACHE; a stamp makes a re-run with unchanged pins return at once.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
OUT="$ROOT/.toolchain/judges"
# the pins and this script (which files it copies)
STAMP="talos=$TALOS_MACHINERY_VERSIONS cilium=$CILIUM_CRDS_VERSION script=$(sha256sum "$0" | cut -c1-16)"
[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ] && exit 0

# `go mod download module@version` outside any module; a scratch directory keeps a go.mod up the tree out of it
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
module_dir() {
  local json
  if ! json="$(cd "$SCRATCH" && go mod download -json "$1@$2")"; then
    echo "fetch-judges: cannot download $1@$2 from $(go env GOPROXY):" >&2
    echo "$json" >&2
    exit 1
  fi
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

NEW="$OUT.new"
rm -rf "$NEW"
mkdir -p "$NEW/talos" "$NEW/cilium"
for v in $TALOS_MACHINERY_VERSIONS; do
  dir="$(module_dir github.com/siderolabs/talos/pkg/machinery "$v")"
  cp "$dir/config/schemas/config.schema.json" "$NEW/talos/config.schema.$v.json"
done
crds="$(module_dir github.com/cilium/cilium "$CILIUM_CRDS_VERSION")/pkg/k8s/apis/cilium.io/client/crds"
cp "$crds/v2/ciliumloadbalancerippools.yaml" "$crds/v2alpha1/ciliuml2announcementpolicies.yaml" "$NEW/cilium/"
chmod -R u+w "$NEW"   # module cache files are read-only; the copies need not be
echo "$STAMP" > "$NEW/.stamp"
rm -rf "$OUT"
mv "$NEW" "$OUT"
echo "fetch-judges: Talos schemas $TALOS_MACHINERY_VERSIONS, Cilium $CILIUM_CRDS_VERSION CRDs in ${OUT#$ROOT/}"
