#!/usr/bin/env bash
# For the Kubernetes tests only: Talos's own ServiceAccount CRD (serviceaccounts.talos.dev, which Talos
# applies when kubernetesTalosAPIAccess is on) into .toolchain/kube-judges/ (outside .toolchain/judges, which fetch-judges.sh replaces whole). It is the golden file of
# Talos's CRD template test (internal/app/machined/pkg/controllers/k8s/internal/k8stemplates, checked
# there against TalosServiceAccountCRDTemplate), from github.com/siderolabs/talos at TALOSCTL_VERSION,
# the module tools/toolchain/build-talosctl.sh downloads anyway. A stamp makes a re-run return at once.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
V="v${TALOSCTL_VERSION#v}"
OUT="$ROOT/.toolchain/kube-judges/talos-service-account-crd.yaml"
STAMP="talos=$V script=$(sha256sum "$ROOT/tools/toolchain/fetch-talos-crds.sh" | cut -c1-16)"
[ -f "$OUT" ] && [ "$(cat "$OUT.stamp" 2>/dev/null)" = "$STAMP" ] && exit 0
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
if ! json="$(cd "$SCRATCH" && go mod download -json "github.com/siderolabs/talos@$V")"; then
  echo "fetch-talos-crds: cannot download github.com/siderolabs/talos@$V from $(go env GOPROXY):" >&2
  echo "$json" >&2
  exit 1
fi
dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
mkdir -p "$(dirname "$OUT")"
cp "$dir/internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/testdata/talos-service-account-crd.yaml" "$OUT.new"
chmod u+w "$OUT.new"
mv "$OUT.new" "$OUT"
echo "$STAMP" > "$OUT.stamp"
echo "fetch-talos-crds: Talos $V ServiceAccount CRD in ${OUT#$ROOT/}"
