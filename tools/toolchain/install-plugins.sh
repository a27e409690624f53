#!/usr/bin/env bash
# Installs the resource plugins into the project's PULUMI_HOME.
#  1. Go: the provider modules through the Go module proxy (the offline path);
#  2. otherwise `pulumi plugin install` (needs the plugin download hosts: a connected machine).
# Prints which plugins are installed; exits 0 either way so that setup and the unit tests can go on.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
. "$ROOT/tools/pulumi-env.sh"
declare -A MODULES=(
  [talos]="github.com/pulumiverse/pulumi-talos/provider@v$TALOS_PROVIDER_VERSION"
  [proxmoxve]="github.com/muhlba91/pulumi-proxmoxve/provider@v$PROXMOXVE_PROVIDER_VERSION"
  [kubernetes]="github.com/pulumi/pulumi-kubernetes/provider/v4@v$KUBERNETES_PROVIDER_VERSION"
  [command]="github.com/pulumi/pulumi-command/provider@v$COMMAND_PROVIDER_VERSION"
)
declare -A VERSIONS=([talos]=$TALOS_PROVIDER_VERSION [proxmoxve]=$PROXMOXVE_PROVIDER_VERSION [kubernetes]=$KUBERNETES_PROVIDER_VERSION [command]=$COMMAND_PROVIDER_VERSION)
declare -A SERVERS=([talos]="github://api.github.com/pulumiverse" [proxmoxve]="github://api.github.com/muhlba91/pulumi-proxmoxve" [kubernetes]="" [command]="")
missing=0
for name in talos proxmoxve kubernetes command; do
  version="${VERSIONS[$name]}"
  if pulumi plugin ls 2>/dev/null | grep -Eq "^$name +resource +$version "; then echo "plugin $name $version: installed"; continue; fi
  module="${MODULES[$name]}"
  if (cd "$(mktemp -d)" && go mod init probe >/dev/null 2>&1 && go mod download "$module" >/dev/null 2>&1); then
    # not reached on this project's machines (every provider module is refused); building a served
    # provider (schema-embed generation, version ldflags) is not scripted yet, so say so
    echo "plugin $name $version: module $module is served, but building providers from Go is not scripted yet" >&2
  fi
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION= timeout 120 pulumi plugin install resource "$name" "$version" ${SERVERS[$name]:+--server "${SERVERS[$name]}"} >/dev/null 2>&1
  if pulumi plugin ls 2>/dev/null | grep -Eq "^$name +resource +$version "; then
    echo "plugin $name $version: downloaded"
  else
    echo "plugin $name $version: NOT AVAILABLE (module proxy does not serve $module; plugin download unreachable)"
    missing=$((missing + 1))
  fi
done
echo "$missing plugin(s) missing"
