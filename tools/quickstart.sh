#!/usr/bin/env bash
# The README's first command: setup, then every check of the reference stack that can run on this
# machine, then a summary. Exits 0 only when everything that could run passed.
#   1. setup (tools/setup.sh)
#   2. preflight of the stack (no engine, no Proxmox)
#   3. the policy pack judging the resources the program emits (captured in preview mode)
#   4. `pulumi preview` with the policy pack, as far as the provider plugins allow
# The preview runs on a throwaway stack (local state and a copy of the stack file under
# .toolchain/quickstart/), so your backend and the tracked Pulumi.<stack>.yaml are never touched.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
STACK="${1:-homelab}"
summary=()
failed=0
step() { summary+=("$(printf '%-26s %s' "$1" "$2")"); }

if bash tools/setup.sh; then step "setup" "ok"; else step "setup" "FAILED"; failed=1; fi
. tools/node-env.sh

if [ $failed = 0 ]; then
  node_modules/.bin/tsx preflight/cli.ts "$STACK"; rc=$?
  case $rc in 0) step "preflight $STACK" "ok (out/$STACK-network.svg)";; *) step "preflight $STACK" "FAILED (exit $rc)"; failed=1;; esac

  node_modules/.bin/tsx policies/judge-stack.ts "$STACK" | tee .toolchain/quickstart-policies.log; rc=${PIPESTATUS[0]}
  advised="$(grep -E '^  [a-z0-9-]+ +advisory$' .toolchain/quickstart-policies.log | awk '{print $1}' | paste -sd, - | sed 's/,/, /g')"
  case $rc in
    0) if [ -n "$advised" ]; then step "policy pack (captured)" "ok: no mandatory policy violated; advice from $advised (above)"
       else step "policy pack (captured)" "ok: every policy passed on the program's resources"; fi;;
    *) step "policy pack (captured)" "FAILED (exit $rc)"; failed=1;;
  esac

  bash tools/preview.sh --throwaway "$STACK" 2>&1 | tee .toolchain/quickstart-preview.log; rc=${PIPESTATUS[0]}
  missing="$(grep -oE "no resource plugin 'pulumi-resource-[a-z0-9-]+'" .toolchain/quickstart-preview.log | sed -E "s/.*pulumi-resource-([a-z0-9-]+)'/\1/" | sort -u | tr '\n' ' ')"
  # the engine stops at the first missing plugin; setup knows them all
  not_installed="$(tr '\n' ' ' < .toolchain/plugins-missing 2>/dev/null || true)"
  # once the engine stops at a missing plugin, the program's calls still in flight find the engine gone
  # (gRPC UNAVAILABLE: "resource monitor shut down", "connection refused" on the engine's loopback port,
  # or the SDK's "Channel has been shut down"): a consequence of that stop, not another error
  other_errors="$(grep -E 'error:' .toolchain/quickstart-preview.log | grep -vE "no resource plugin|[0-9]+ errors?$|preview failed|Channel has been shut down|14 UNAVAILABLE|resource monitor shut down|Error while dialing dial tcp 127\.0\.0\.1:[0-9]+: connect: connection refused" || true)"
  if [ $rc = 0 ]; then step "pulumi preview $STACK" "ok (policy pack included)"
  elif [ -n "$missing" ] && [ -z "$other_errors" ]; then step "pulumi preview $STACK" "ran until the first missing provider plugin (${missing% }); no other error"
  else step "pulumi preview $STACK" "FAILED (exit $rc)"; failed=1; fi
fi

echo
echo "== quickstart summary =="
printf '  %s\n' "${summary[@]}"
[ -n "${missing:-}" ] && echo "  The full preview needs the provider plugins ${not_installed:-$missing}that cannot be had on this machine; a connected machine downloads them in tools/setup.sh."
[ $failed = 0 ] && echo "  result: everything that can run here passed" || echo "  result: FAILED"
exit $failed
