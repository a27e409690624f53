#!/usr/bin/env bash
# `pulumi preview` of a stack with the policy pack and the stack's policy config.
#   tools/preview.sh [stack] [pulumi preview flags...]        your stack, on your backend
#   tools/preview.sh --throwaway [stack]                      a throwaway copy (quickstart): local state and a
#                                                             copy of the stack file in .toolchain/quickstart/
# The pack runs through policies/run-policy-pack, which the engine starts as an analyzer executable; that
# works with every Pulumi CLI, the offline-built one included (whose language host cannot start a
# policy-pack folder). With a normal Pulumi install, `--policy-pack policies` works as well.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
throwaway=0
[ "${1:-}" = --throwaway ] && { throwaway=1; shift; }
STACK="${1:-homelab}"
[ $# -gt 0 ] && shift
args=(preview --non-interactive --stack "$STACK" "$@")
if [ $throwaway = 1 ]; then
  # a stack of its own: never the user's backend, never a rewrite of the tracked stack file
  Q="$ROOT/.toolchain/quickstart"
  mkdir -p "$Q/state" "$Q/project"
  export PULUMI_BACKEND_URL="file://$Q/state"
  export PULUMI_CONFIG_PASSPHRASE="quickstart-throwaway"
  unset PULUMI_CONFIG_PASSPHRASE_FILE
  . tools/pulumi-env.sh
  # `stack init` writes the stack's encryption salt into Pulumi.<stack>.yaml; it writes this copy
  cp Pulumi.yaml "$Q/project/Pulumi.yaml"
  salt="$(grep -E '^encryptionsalt:' "$Q/project/Pulumi.$STACK.yaml" 2>/dev/null || true)"
  # the stack's config only: your own encryption settings and encrypted values belong to your passphrase
  node -e '
    const yaml = require("yaml"), fs = require("fs");
    const doc = yaml.parse(fs.readFileSync(process.argv[1], "utf8")) ?? {};
    const config = Object.fromEntries(Object.entries(doc.config ?? {}).filter(([, v]) => !(v && typeof v === "object" && "secure" in v)));
    fs.writeFileSync(process.argv[2], yaml.stringify({ config }));
  ' "Pulumi.$STACK.yaml" "$Q/project/Pulumi.$STACK.yaml"
  [ -n "$salt" ] && printf '%s\n' "$salt" >> "$Q/project/Pulumi.$STACK.yaml"
  (cd "$Q/project" && { pulumi stack select "$STACK" >/dev/null 2>&1 || pulumi stack init "$STACK" --secrets-provider passphrase >/dev/null; })
  args+=(--config-file "$Q/project/Pulumi.$STACK.yaml")
  # the reference plan carries no credentials; a placeholder lets the program plan (a preview creates nothing)
  if [ -z "${PROXMOX_VE_API_TOKEN:-}" ] && [ -z "${PROXMOX_VE_USERNAME:-}" ]; then
    export PROXMOX_VE_API_TOKEN="quickstart@pve!preview=00000000-0000-0000-0000-000000000000"
    echo "preview: no Proxmox credentials set; a placeholder token lets the program plan (nothing is created, Proxmox is not contacted)" >&2
  fi
else
  . tools/pulumi-env.sh
  pulumi stack select "$STACK" >/dev/null 2>&1 || pulumi stack init "$STACK"
fi
if [ -f "policies/config/$STACK.json" ]; then
  args+=(--policy-pack "$ROOT/policies/run-policy-pack" --policy-pack-config "policies/config/$STACK.json")
else
  echo "preview: no policies/config/$STACK.json; previewing without the policy pack (copy policies/config/homelab.json to add one)" >&2
fi
exec pulumi "${args[@]}"
