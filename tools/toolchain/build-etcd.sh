#!/usr/bin/env bash
# For the Kubernetes tests only (tests/helpers/kube-apiserver.ts): builds a single-member etcd
# (go.etcd.io/etcd/server/v3's embed package at ETCD_VERSION, the release Kubernetes v1.34.4 requires) from
# tools/judges/etcd into .toolchain/bin/etcd. Cached (tools/toolchain/cache.sh): seconds when warm.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
VERSION="${ETCD_VERSION:-v3.6.4}"
SRC="$ROOT/tools/judges/etcd"
BIN="$ROOT/.toolchain/bin/etcd"
. "$ROOT/tools/toolchain/cache.sh"
grep -Eq "^(require )?[[:space:]]*go.etcd.io/etcd/server/v3 $VERSION\$" "$SRC/go.mod" || {
  echo "build-etcd: tools/judges/etcd/go.mod does not require go.etcd.io/etcd/server/v3 $VERSION (ETCD_VERSION in tools/versions.env); update both together" >&2
  exit 1
}
KEY="$(cache_key "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" -- "$VERSION")"
cache_fresh etcd "$KEY" "$BIN" && exit 0
t0=$(date +%s)
mkdir -p "$(dirname "$BIN")"
(cd "$SRC" && CGO_ENABLED=0 go build -trimpath -mod=readonly -ldflags "-s -w" -o "$BIN.new" .)
got="$("$BIN.new" --version)"
[ "$got" = "etcd ${VERSION#v}" ] || { echo "build-etcd: built binary says '$got', expected 'etcd ${VERSION#v}'" >&2; exit 1; }
mv "$BIN.new" "$BIN"
cache_store etcd "$KEY"
echo "build-etcd: etcd $VERSION in ${BIN#$ROOT/} ($(( $(date +%s) - t0 ))s)"
