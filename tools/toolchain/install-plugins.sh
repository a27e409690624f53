#!/usr/bin/env bash
# Installs the resource plugins the program's SDKs ask for (name, version and download server are read
# from each SDK's package.json, so they always match the SDK).
#  - already installed: nothing to do;
#  - proxmoxve on the offline toolchain: built from the project's bridge wrapper (tools/providers/proxmoxve);
#  - otherwise `pulumi plugin install` (a connected machine).
# Prints one line per plugin and exits 0 either way: a missing plugin stops only the engine preview,
# which says so; everything else (preflight, policy pack on captured resources, tests) still runs.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. tools/pulumi-env.sh 2>/dev/null
missing=()
while IFS=' ' read -r name version server; do
  # offline: the published plugin if present, else our build, kept current with its wrapper (cached by
  # source hash); the script says which
  if [ "$name" = proxmoxve ] && [ "$HOMELAB_TOOLCHAIN" = offline ]; then
    bash tools/toolchain/build-proxmox-provider.sh && continue
  fi
  if pulumi plugin ls 2>/dev/null | grep -Eq "^$name +resource +$version( |$)"; then echo "plugin $name $version: installed"; continue; fi
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION= timeout 180 pulumi plugin install resource "$name" "$version" ${server:+--server "$server"} >/dev/null 2>&1
  if pulumi plugin ls 2>/dev/null | grep -Eq "^$name +resource +$version( |$)"; then
    echo "plugin $name $version: downloaded"
  else
    echo "plugin $name $version: not available here (no download, no build from the module proxy)"
    missing+=("$name")
  fi
done < <(node -e '
  for (const p of ["@pulumiverse/talos", "@muhlba91/pulumi-proxmoxve", "@pulumi/kubernetes", "@pulumi/command"]) {
    const m = require(`${p}/package.json`).pulumi;
    console.log([m.name, m.version, m.server ?? ""].join(" "));
  }')
if [ ${#missing[@]} -gt 0 ]; then printf '%s\n' "${missing[@]}" > .toolchain/plugins-missing; else : > .toolchain/plugins-missing; fi
echo "plugins missing: ${#missing[@]}${missing:+ (${missing[*]})}"
