#!/usr/bin/env bash
# For the Kubernetes tests only: Talos's own ServiceAccount CRD (serviceaccounts.talos.dev, which Talos
# applies when kubernetesTalosAPIAccess is on) into .toolchain/kube-judges/ (outside .toolchain/judges, which fetch-judges.sh replaces whole). It is the golden file of
# Talos's CRD template test (internal/app/machined/pkg/controllers/k8s/internal/k8stemplates, checked
# there against TalosServiceAccountCRDTemplate), from github.com/siderolabs/talos at TALOSCTL_VERSION,
# the module tools/toolchain/build-talosctl.sh downloads anyway. Cached (tools/toolchain/cache.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
V="v${TALOSCTL_VERSION#v}"
OUT="$ROOT/.toolchain/kube-judges/talos-service-account-crd.yaml"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key -- "talos=$V")"
cache_fresh talos-crds "$KEY" "$OUT" && exit 0
dir="$(go_module_dir github.com/siderolabs/talos "$V")" || { echo "fetch-talos-crds: failed" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
cp "$dir/internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/testdata/talos-service-account-crd.yaml" "$OUT.new"
chmod u+w "$OUT.new"
mv "$OUT.new" "$OUT"
cache_store talos-crds "$KEY"
echo "fetch-talos-crds: Talos $V ServiceAccount CRD in ${OUT#$ROOT/}"
