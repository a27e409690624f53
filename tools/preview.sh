#!/usr/bin/env bash
# `pulumi preview` of a stack with the policy pack and the stack's policy config, offline defaults.
#   tools/preview.sh [stack]   (default: homelab)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
STACK="${1:-homelab}"
. tools/pulumi-env.sh
pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK" --secrets-provider passphrase
args=(preview --non-interactive --stack "$STACK")
if [ -f "policies/config/$STACK.json" ] && [ "${HOMELAB_SKIP_POLICY_PACK:-}" != 1 ]; then
  args+=(--policy-pack policies --policy-pack-config "policies/config/$STACK.json")
fi
exec pulumi "${args[@]}"
