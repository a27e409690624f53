#!/usr/bin/env bash
# For the Kubernetes tests only (tests/helpers/kube-apiserver.ts): builds the real kube-apiserver,
# kube-controller-manager and kubectl of KUBE_APISERVER_VERSION into .toolchain/bin from the wrapper
# module tools/judges/kube-apiserver (k8s.io/kubernetes with its staging modules replaced by their
# releases; go.sum pinned). The version is stamped through the same ldflags as Kubernetes' own build
# (hack/lib/version.sh), so `--version` and /version report the release, not v0.0.0-master.
# Cached (tools/toolchain/cache.sh): seconds when warm.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
VERSION="${KUBE_APISERVER_VERSION:-v1.34.4}"
SRC="$ROOT/tools/judges/kube-apiserver"
BIN="$ROOT/.toolchain/bin"
TOOLS="kube-apiserver kube-controller-manager kubectl"
grep -Eq "^(require )?[[:space:]]*k8s.io/kubernetes $VERSION( //.*)?$" "$SRC/go.mod" || {
  echo "build-kube-apiserver: tools/judges/kube-apiserver/go.mod does not require k8s.io/kubernetes $VERSION (KUBE_APISERVER_VERSION in tools/versions.env); update both together" >&2
  exit 1
}
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key "$SRC/go.mod" "$SRC/go.sum" -- "$VERSION")"
# shellcheck disable=SC2046 # one output per tool
cache_fresh kube-apiserver "$KEY" $(for t in $TOOLS; do echo "$BIN/$t"; done) && exit 0

echo "build-kube-apiserver: building $TOOLS $VERSION (minutes cold)"
t0=$(date +%s)
major="${VERSION#v}"; major="${major%%.*}"
minor="${VERSION#v*.}"; minor="${minor%%.*}"
# the release's time (the module proxy's record) stands for the build date: reproducible
built="$(cd "$SRC" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes 2>/dev/null || echo 1970-01-01T00:00:00Z)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$built"
done
mkdir -p "$BIN"
for t in $TOOLS; do
  (cd "$SRC" && CGO_ENABLED=0 go build -trimpath -mod=readonly -ldflags "$ldflags" -o "$BIN/$t.new" "k8s.io/kubernetes/cmd/$t")
  if [ "$t" = kubectl ]; then
    got="$("$BIN/$t.new" version --client -o json | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p' | head -1)"
    got="Kubernetes $got"
  else
    got="$("$BIN/$t.new" --version)"
  fi
  [ "$got" = "Kubernetes $VERSION" ] || { echo "build-kube-apiserver: built $t says '$got', expected 'Kubernetes $VERSION'" >&2; exit 1; }
  mv "$BIN/$t.new" "$BIN/$t"
done
cache_store kube-apiserver "$KEY"
echo "build-kube-apiserver: $TOOLS $VERSION in ${BIN#$ROOT/} ($(( $(date +%s) - t0 ))s)"
