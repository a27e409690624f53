#!/usr/bin/env bash
# For the end-to-end tests only: builds the stand-in provider plugin (tests/standins, one binary that
# serves as talos, kubernetes and command) into .toolchain/standins/, and copies the Cilium CRDs its
# Kubernetes role judges against from the pinned Cilium Go module. Nothing here is installed into a
# plugin home: tests/e2e/engine.ts installs it into each test run's throwaway PULUMI_HOME.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/.toolchain/standins"
CILIUM_MODULE="github.com/cilium/cilium@v1.18.4"   # the Cilium release the stacks deploy
SRC="$ROOT/tests/standins"
HASH="$( (cd "$SRC" && cat go.mod go.sum *.go; echo "$CILIUM_MODULE"; go version) | sha256sum | cut -c1-16)"
if [ -x "$OUT/pulumi-resource-standin" ] && [ "$(cat "$OUT/.hash" 2>/dev/null)" = "$HASH" ]; then exit 0; fi
mkdir -p "$OUT/crds"
(cd "$SRC" && go build -trimpath -o "$OUT/pulumi-resource-standin" .)
dir="$(cd "$SRC" && go mod download -json "$CILIUM_MODULE" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[ -n "$dir" ] || { echo "build-standins: could not fetch $CILIUM_MODULE from the Go module proxy" >&2; exit 1; }
for crd in v2/ciliumloadbalancerippools.yaml v2alpha1/ciliuml2announcementpolicies.yaml; do
  cp "$dir/pkg/k8s/apis/cilium.io/client/crds/$crd" "$OUT/crds/"
done
chmod -R u+w "$OUT/crds"
echo "$HASH" > "$OUT/.hash"
echo "build-standins: stand-in provider and Cilium CRDs in $OUT"
