#!/usr/bin/env bash
# Fetches the external judges the tests validate against into .toolchain/judges (git-ignored): Talos's
# machine-config JSON schemas and Cilium's CRDs, from the Go modules pinned in tools/versions.env.
# `go mod download` checks each module against the checksum database (GOSUMDB) and caches it in
# GOMODCACHE; cached (tools/toolchain/cache.sh): a re-run with unchanged pins returns at once.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
OUT="$ROOT/.toolchain/judges"
. "$ROOT/tools/toolchain/cache.sh"
# the pins and this script (which files it copies)
KEY="$(cache_key -- "talos=$TALOS_MACHINERY_VERSIONS" "cilium=$CILIUM_CRDS_VERSION")"
cache_fresh judges "$KEY" "$OUT" && exit 0
module_dir() { go_module_dir "$@" || { echo "fetch-judges: failed" >&2; exit 1; }; }

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
rm -rf "$OUT"
mv "$NEW" "$OUT"
cache_store judges "$KEY"
echo "fetch-judges: Talos schemas $TALOS_MACHINERY_VERSIONS, Cilium $CILIUM_CRDS_VERSION CRDs in ${OUT#$ROOT/}"
