#!/usr/bin/env bash
# For the Kubernetes tests only: builds the real Kubernetes resource plugin (pulumi-kubernetes' provider
# module at the commit pinned in tools/providers/kubernetes/go.mod) into
# .toolchain/test-plugins/resource-kubernetes-v<version>/. Nothing is installed into a plugin home here:
# tests/helpers/kubernetes-engine.ts links it into each test project's throwaway PULUMI_HOME.
# Honest labelling: it is installed as the version the npm SDK asks for (@pulumi/kubernetes' "pulumi"
# version, KUBERNETES_PROVIDER_VERSION) because that is what the engine looks up, but it is built from
# the pinned provider commit, not from that release's tag; `.homelab-build` beside it records which.
# Cached (tools/toolchain/cache.sh; the key is kept in .homelab-build): seconds when warm.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
. "$ROOT/tools/node-env.sh"
VERSION="$(cd "$ROOT" && node -p 'require("@pulumi/kubernetes/package.json").pulumi?.version ?? require("@pulumi/kubernetes/package.json").version')"
VERSION="${VERSION#v}"
if [ -n "${KUBERNETES_PROVIDER_VERSION:-}" ] && [ "$KUBERNETES_PROVIDER_VERSION" != "$VERSION" ]; then
  echo "build-kubernetes-provider: @pulumi/kubernetes asks for plugin $VERSION, tools/versions.env pins KUBERNETES_PROVIDER_VERSION=$KUBERNETES_PROVIDER_VERSION: update the pin" >&2
  exit 1
fi
SRC="$ROOT/tools/providers/kubernetes"
MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
PIN="$(sed -n "s#^\(require \)\{0,1\}[[:space:]]*$MODULE \(v[^ ]*\).*#\2#p" "$SRC/go.mod" | head -1)"
COMMIT="${PIN##*-}"
OUT="$ROOT/.toolchain/test-plugins/resource-kubernetes-v$VERSION"
STAMP="$OUT/.homelab-build"
. "$ROOT/tools/toolchain/cache.sh"
# the key is kept in the plugin's own provenance file (.homelab-build), which the tests read
HASH="$(cache_key "$SRC/go.mod" "$SRC/go.sum" "$SRC"/cmd/*/main.go -- "$VERSION")"
if [ -x "$OUT/pulumi-resource-kubernetes" ] && grep -q "^hash=$HASH\$" "$STAMP" 2>/dev/null; then exit 0; fi

echo "build-kubernetes-provider: building the Kubernetes plugin from $MODULE@$PIN (installed as $VERSION; a few minutes cold)"
t0=$(date +%s)
cd "$SRC"
DIR="$(go list -m -f '{{.Dir}}' "$MODULE")"
[ -n "$DIR" ] && [ -f "$DIR/cmd/pulumi-resource-kubernetes/schema.json" ] || { go mod download "$MODULE"; DIR="$(go list -m -f '{{.Dir}}' "$MODULE")"; }
go run ./cmd/gen-embed "$VERSION" "$DIR/cmd/pulumi-resource-kubernetes" cmd/pulumi-resource-kubernetes
mkdir -p "$OUT"
CGO_ENABLED=0 go build -trimpath -mod=readonly \
  -ldflags "-s -w -X $MODULE/pkg/version.Version=$VERSION" \
  -o "$OUT/pulumi-resource-kubernetes.new" ./cmd/pulumi-resource-kubernetes
printf 'hash=%s\nbuilt-from=%s@%s\ncommit=%s\nsdk=github.com/pulumi/pulumi-kubernetes/sdk/v4 %s\npulumi=github.com/pulumi/pulumi/pkg/v3 %s\nnote=not the published %s release; installed as v%s because the npm SDK requests that version\n' \
  "$HASH" "$MODULE" "$PIN" "$COMMIT" "$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi-kubernetes/sdk/v4)" \
  "$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)" "$VERSION" "$VERSION" > "$STAMP.tmp"
mv "$OUT/pulumi-resource-kubernetes.new" "$OUT/pulumi-resource-kubernetes"
mv "$STAMP.tmp" "$STAMP"
echo "build-kubernetes-provider: plugin kubernetes $VERSION (commit $COMMIT) in ${OUT#$ROOT/} ($(( $(date +%s) - t0 ))s)"
