// Removing a node from the stack: the Talos config apply's on_destroy resets the node gracefully
// (cordon, drain, leave etcd, wipe STATE and EPHEMERAL, halt); then this script deletes its
// Kubernetes Node object; then the VM is deleted. Pulumi deletes dependents first, so the program
// chains VM <- node-object command <- config apply. Pure text; run by a @pulumi/command local Command.
import { TALOSCTL_SHELL_LOOKUP } from "../day2/find-talosctl";

/**
 * Delete script. Environment: NODE_NAME, NODE_IP, CONTROL_PLANES (space-separated IPs of the other
 * control planes that answer), TALOSCONFIG_DATA (talosconfig contents). It fetches a kubeconfig with
 * talosctl from the first control plane that answers (the VIP may be the node being removed) and
 * deletes the Node object; a missing object is fine (reset may run again after a failed attempt). A
 * kubeconfig whose server is the node being removed (kubeprism mode without `dnsName` names the first
 * control plane) is pointed at the control plane that answered instead: the node was just reset.
 */
export const NODE_OBJECT_DELETE_SCRIPT = `set -eu
# the talosctl the day-2 steps use: $TALOSCTL, else the project's build (runs from the project), else PATH
${TALOSCTL_SHELL_LOOKUP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s' "$TALOSCONFIG_DATA" > "$tmp/talosconfig"
for cp in $CONTROL_PLANES; do
  if "$TALOSCTL" --talosconfig "$tmp/talosconfig" --endpoints "$cp" --nodes "$cp" kubeconfig --force "$tmp/kubeconfig" >/dev/null 2>&1; then
    server=$(kubectl --kubeconfig "$tmp/kubeconfig" config view -o 'jsonpath={.clusters[0].cluster.server}')
    case "$server" in
      "https://\${NODE_IP:-none}:"*) set -- --server "https://$cp:\${server##*:}" ;;
      *) set -- ;;
    esac
    kubectl --kubeconfig "$tmp/kubeconfig" "$@" delete node "$NODE_NAME" --ignore-not-found --wait=true
    exit 0
  fi
done
echo "no control plane of $CONTROL_PLANES answered talosctl; delete the Node object by hand: kubectl delete node $NODE_NAME" >&2
exit 1
`;

/** Talos on_destroy of a node's config apply: graceful reset, then halt (the VM is deleted next). */
export const RESET_ON_DESTROY = { reset: true, graceful: true, reboot: false } as const;

/**
 * The plan without the nodes marked `unreachable`: what talosctl, the upgrade steps, the control-plane
 * gates, the talosconfig and the health check talk to. The nodes themselves (VM, config apply, Node
 * object) stay in the program until they leave the stack file.
 */
export function answeringNodes<P extends { nodes: N[]; controlPlanes: N[]; workers: N[] }, N extends { unreachable?: boolean }>(
  plan: P,
): P {
  const up = (ns: N[]) => ns.filter((n) => !n.unreachable);
  return { ...plan, nodes: up(plan.nodes), controlPlanes: up(plan.controlPlanes), workers: up(plan.workers) };
}
