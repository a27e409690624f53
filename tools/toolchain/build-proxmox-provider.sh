#!/usr/bin/env bash
# Installs the Proxmox VE resource plugin (resource-proxmoxve, at the version the npm SDK requests)
# into the project's PULUMI_HOME:
#   1. already installed (downloaded, or built by this script with the same sources): nothing to do;
#   2. `pulumi plugin install` (connected machines get the published muhlba91 plugin);
#   3. otherwise build it offline from tools/providers/proxmoxve: tfgen writes the schema and the bridge
#      metadata, then the provider binary is built with both embedded.
# Honest labelling: the built plugin is installed as the SDK's version (8.6.0) because that is what
# the SDK asks for, but it bridges bpg/terraform-provider-proxmox v0.111.1 (not the bpg release the
# published 8.6.0 wraps). A `.homelab-build` file in the plugin folder records that.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/pulumi-env.sh"
# the version the npm SDK asks the engine for
VERSION="$(cd "$ROOT" && node -p 'require("@muhlba91/pulumi-proxmoxve/package.json").pulumi.version')"
PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"   # set by pulumi-env.sh on the offline toolchain only
SRC="$ROOT/tools/providers/proxmoxve"
PLUGIN_DIR="$PULUMI_HOME/plugins/resource-proxmoxve-v$VERSION"
STAMP="$PLUGIN_DIR/.homelab-build"
. "$ROOT/tools/toolchain/cache.sh"
# the key is kept in the plugin's provenance file (.homelab-build): the plugin lives in PULUMI_HOME,
# which may be the user's own
# shellcheck disable=SC2046 # one argument per file
HASH="$(cache_key $(find "$SRC" \( -name '*.go' -o -name go.mod -o -name go.sum \) -not -path '*/cmd/pulumi-resource-proxmoxve/*.json' | LC_ALL=C sort))"

if [ -x "$PLUGIN_DIR/pulumi-resource-proxmoxve" ]; then
  if [ ! -f "$STAMP" ]; then echo "plugin proxmoxve $VERSION: installed (published plugin)"; exit 0; fi
  if grep -q "^hash=$HASH\$" "$STAMP"; then echo "plugin proxmoxve $VERSION: built offline earlier (bpg v0.111.1), up to date"; exit 0; fi
else
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION= timeout 120 pulumi plugin install resource proxmoxve "$VERSION" \
    --server github://api.github.com/muhlba91/pulumi-proxmoxve >/dev/null 2>&1 || true
  if [ -x "$PLUGIN_DIR/pulumi-resource-proxmoxve" ]; then echo "plugin proxmoxve $VERSION: downloaded"; exit 0; fi
fi

built_version="$(sed -n 's/^\tPluginVersion = "\(.*\)"$/\1/p' "$SRC/provider.go")"
if [ "$built_version" != "$VERSION" ]; then
  echo "plugin proxmoxve: the SDK asks for $VERSION, but tools/providers/proxmoxve/provider.go builds $built_version: update PluginVersion there (and check its bpg pin)" >&2
  exit 1
fi
echo "plugin proxmoxve $VERSION: not downloadable here; building it from tools/providers/proxmoxve (bpg v0.111.1)"
t0=$(date +%s)
WORK="$ROOT/.toolchain/src/proxmoxve-provider"
GEN="$SRC/cmd/pulumi-resource-proxmoxve"   # the provider embeds from its own folder (files git-ignored)
mkdir -p "$WORK"
cd "$SRC"
go build -trimpath -o "$WORK/pulumi-tfgen-proxmoxve" ./cmd/pulumi-tfgen-proxmoxve
rm -rf "$WORK/schema"
"$WORK/pulumi-tfgen-proxmoxve" schema --out "$WORK/schema" --skip-docs --skip-examples
cp "$WORK/schema/schema.json" "$WORK/schema/bridge-metadata.json" "$GEN/"
# Written next to the binary first, moved into place last: a half-built plugin is never visible.
go build -trimpath -ldflags "-s -w" -o "$WORK/pulumi-resource-proxmoxve" ./cmd/pulumi-resource-proxmoxve
mkdir -p "$PLUGIN_DIR"
printf 'hash=%s\nbuilt-from=tools/providers/proxmoxve\nterraform-provider=github.com/bpg/terraform-provider-proxmox v0.111.1\nbridge=github.com/pulumi/pulumi-terraform-bridge/v3 v3.134.0\nnote=not the published muhlba91 plugin; installed as v%s because the SDK requests that version\n' \
  "$HASH" "$VERSION" > "$STAMP.tmp"
cp "$WORK/schema/schema.json" "$PLUGIN_DIR/schema.json"
mv "$WORK/pulumi-resource-proxmoxve" "$PLUGIN_DIR/pulumi-resource-proxmoxve"
mv "$STAMP.tmp" "$STAMP"
echo "plugin proxmoxve $VERSION: built in $(( $(date +%s) - t0 ))s and installed into $PLUGIN_DIR"
