// What an `up` leaves for the user to roll by hand, and whether it needs a health check. Pure.
// The program never reboots a VM or a Talos node on its own (VMs: rebootAfterUpdate false; Talos:
// reboot-needing configs are staged), so no edit takes down more than one control plane at a time;
// these functions say which nodes wait for a reboot and how to roll them.
import type { NodePlan, Plan } from "../plan/types";
import { type DeployedState, VM_HARDWARE_REVISION } from "./state";

export interface PendingReboot {
  name: string;
  role: NodePlan["role"];
  ip: string;
  vmId: number;
  host: string;
  reasons: string[];
}

/**
 * VMs whose Proxmox hardware changed since the last `up`: CPU and memory (and hardware this program
 * added since) are written to the VM config as pending and take effect at the next cold restart.
 */
export function pendingVmReboots(plan: Plan, deployed: DeployedState | undefined): PendingReboot[] {
  if (!deployed) return [];
  const before = new Map((deployed.nodes ?? []).map((n) => [n.name, n]));
  const out: PendingReboot[] = [];
  for (const n of plan.nodes) {
    const d = before.get(n.name);
    if (!d) continue; // created by this run: boots with its hardware
    if (d.vmId !== undefined && d.vmId !== n.vmId) continue; // replaced, not updated
    const reasons: string[] = [];
    if (d.cpu !== undefined && d.cpu !== n.cpu) reasons.push(`cpu ${d.cpu} -> ${n.cpu}`);
    if (d.memoryGiB !== undefined && d.memoryGiB !== n.memoryGiB) reasons.push(`memory ${d.memoryGiB} -> ${n.memoryGiB} GiB`);
    if ((deployed.vmHardware ?? 1) < VM_HARDWARE_REVISION) reasons.push("serial console added");
    if (reasons.length > 0) out.push({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host, reasons });
  }
  return out;
}

/**
 * What Proxmox itself lists as pending per VM (core/proxmox/pending.ts, read after the VMs were
 * updated), as PendingReboot entries of the plan's nodes. Stays listed until the VM was restarted.
 */
export function pendingFromProxmox(plan: Plan, reasons: Record<string, string[]>): PendingReboot[] {
  return plan.nodes
    .filter((n) => (reasons[n.name] ?? []).length > 0)
    .map((n) => ({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host, reasons: reasons[n.name] }));
}

/** Control planes first, one at a time, then workers. */
function ordered<T extends { role: NodePlan["role"] }>(nodes: T[]): T[] {
  return [...nodes.filter((n) => n.role === "controlplane"), ...nodes.filter((n) => n.role === "worker")];
}

export function vmRebootAdvice(pending: PendingReboot[]): string | undefined {
  if (pending.length === 0) return undefined;
  const list = ordered(pending)
    .map((p) => `${p.name} (VM ${p.vmId} on ${p.host}: ${p.reasons.join(", ")})`)
    .join("; ");
  return (
    `${pending.length} VM(s) carry pending Proxmox hardware changes that apply at their next cold restart: ${list}. ` +
    "Roll them one at a time, control planes first: `qm reboot <vmid>` on the host (a reboot from inside Talos keeps the old hardware), " +
    "then wait until `talosctl -n <ip> health` passes (for control planes also `talosctl -n <ip> etcd status` shows every member) before the next."
  );
}

/** Nodes whose new machine config Talos staged because it needs a reboot (resolvedApplyMode `staged`). */
export function stagedConfigAdvice(staged: { name: string; ip: string; role: NodePlan["role"] }[]): string | undefined {
  if (staged.length === 0) return undefined;
  const list = ordered(staged)
    .map((n) => `${n.name} (${n.ip})`)
    .join(", ");
  return (
    `Talos staged the new machine config of ${list}: it needs a reboot and takes effect at the next one. ` +
    "Roll them one at a time, control planes first: `talosctl -n <ip> reboot`, wait for `talosctl -n <ip> health` to pass, then the next."
  );
}

export type HealthCheck = "first-deploy" | "configs-changed" | "unchanged" | "after-removal";

/**
 * The health check waits (up to 15 minutes) for every node to be Ready. It runs on a new cluster, and
 * when a node's machine config differs from what the last `up` applied (or a node was added or
 * removed); otherwise the cluster is as it was and the run does not wait.
 */
export function healthCheckFor(
  deployed: DeployedState | undefined,
  hashes: Record<string, string>,
  unreachable: string[] = [],
): HealthCheck {
  const before = deployed?.machineConfigHashes;
  if (!deployed?.nodes?.length) return "first-deploy";
  // likewise a node marked unreachable: its Node object (and a control plane's etcd member, until its
  // removal step) stays until the run that removes it
  if (unreachable.length > 0 && (deployed.healthCheckPending || Object.keys(hashes).some((n) => before?.[n] !== hashes[n])))
    return "after-removal";
  // a node that leaves in this run is still a Kubernetes Node and an etcd member while the program runs
  // (the engine resets it afterwards), so Talos's checks, which compare both with the expected nodes,
  // would fail until their timeout: the next run checks instead (healthCheckPending)
  if (deployed.nodes.some((n) => !(n.name in hashes))) return "after-removal";
  if (deployed.healthCheckPending) return "configs-changed";
  if (!before) return "configs-changed"; // older output without hashes: check once
  const names = new Set([...Object.keys(before), ...Object.keys(hashes)]);
  for (const n of names) if (before[n] !== hashes[n]) return "configs-changed";
  return "unchanged";
}

/**
 * While a Kubernetes upgrade is under way (the stack file names another version than the last
 * successful `up` recorded), machine-config edits wait. The configs are rendered for the recorded
 * version (Plan.configKubernetesVersion) until the day-2 step finished `talosctl upgrade-k8s`; an edit
 * applied in between would carry the old kubelet and static-pod images to nodes `upgrade-k8s` already
 * moved (a failed or interrupted run leaves some moved, some not), and those parts apply live: the
 * node's Kubernetes would go back. So running nodes keep their applied config until the run after the
 * upgrade, which renders the new version (already what `upgrade-k8s` wrote: no restart) plus the edit.
 * A new node still gets its whole config: it joins on the recorded version and upgrade-k8s moves it.
 */
export function configEditsHeld(plan: Plan): boolean {
  return plan.kubernetesVersion !== plan.configKubernetesVersion;
}

export function heldConfigAdvice(plan: Plan): string | undefined {
  if (!configEditsHeld(plan)) return undefined;
  return (
    `versions.kubernetes: Kubernetes ${plan.configKubernetesVersion} -> ${plan.kubernetesVersion} is under way, so machine-config edits ` +
    `of running nodes wait until it finished (configs for ${plan.configKubernetesVersion} would take a node that \`talosctl upgrade-k8s\` already moved back). ` +
    "The `pulumi up` after the upgrade applies them; to apply an urgent edit first, write the recorded version back, run `pulumi up`, then upgrade."
  );
}

/**
 * The apply mode of a node's config apply. A new node (maintenance mode) takes `auto`: maintenance
 * answers the provider's dry run with REBOOT and refuses staged applies. A running node whose config
 * inputs changed takes `staged_if_needing_reboot` (applied live, or staged when it needs a reboot).
 * One whose inputs are what the last run applied keeps the mode it has, so the run after a node's
 * creation changes nothing (the mode alone would update the apply and re-apply the same config).
 */
export function applyModeFor(
  alreadyDeployed: boolean,
  inputHash: string,
  deployed: DeployedState | undefined,
  name: string,
): "auto" | "staged_if_needing_reboot" {
  if (!alreadyDeployed) return "auto";
  const mode = deployed?.applyModes?.[name];
  if ((mode === "auto" || mode === "staged_if_needing_reboot") && deployed?.configInputHashes?.[name] === inputHash) return mode;
  return "staged_if_needing_reboot";
}
