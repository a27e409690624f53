// What the stack's last successful `pulumi up` deployed. The program exports it as the stack output
// `deployed` and reads it back on the next run (a StackReference to its own stack), so rules can judge
// a change against the running cluster, not only against the new stack file.
import { Role } from "../rules/facts";
import { Plan } from "../plan/types";

export const DEPLOYED_OUTPUT = "deployed";

export interface DeployedNode {
  name: string; role: Role; ip: string;
  /** VM identity and size, to tell replacements and pending VM reboots apart (absent in older outputs) */
  vmId?: number; host?: string; cpu?: number; memoryGiB?: number;
}

/**
 * Revision of the VM hardware the program defines. VMs deployed under an older revision carry a
 * pending Proxmox change (2: serial console) until their next cold restart.
 */
export const VM_HARDWARE_REVISION = 2;

export interface DeployedState {
  /** Talos version installed on the nodes */
  talosVersion?: string;
  /** Kubernetes version the control plane runs */
  kubernetesVersion?: string;
  /** Talos version the machine configs are generated for (the config contract) */
  configTalosVersion?: string;
  nodes?: DeployedNode[];
  /** machine-config hash per node name, as applied by the last successful `up` */
  machineConfigHashes?: Record<string, string>;
  vmHardware?: number;
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Tolerant reader: an absent, older or hand-edited output gives only the fields it really has. */
export function parseDeployedState(value: unknown): DeployedState | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const nodes = Array.isArray(v.nodes)
    ? v.nodes.flatMap((n): DeployedNode[] => {
      const o = (n ?? {}) as Record<string, unknown>;
      const name = str(o.name), ip = str(o.ip);
      const role = o.role === "controlplane" || o.role === "worker" ? o.role : undefined;
      if (!name || !ip || !role) return [];
      const node: DeployedNode = { name, role, ip };
      // only fields really present, so an older output reads back exactly as it was written
      const vmId = num(o.vmId), host = str(o.host), cpu = num(o.cpu), memoryGiB = num(o.memoryGiB);
      if (vmId !== undefined) node.vmId = vmId;
      if (host !== undefined) node.host = host;
      if (cpu !== undefined) node.cpu = cpu;
      if (memoryGiB !== undefined) node.memoryGiB = memoryGiB;
      return [node];
    })
    : undefined;
  const state: DeployedState = { talosVersion: str(v.talosVersion), kubernetesVersion: str(v.kubernetesVersion), configTalosVersion: str(v.configTalosVersion), nodes };
  const hashes = v.machineConfigHashes;
  if (hashes && typeof hashes === "object" && !Array.isArray(hashes)) {
    state.machineConfigHashes = Object.fromEntries(Object.entries(hashes).filter(([, h]) => typeof h === "string")) as Record<string, string>;
  }
  const hw = num(v.vmHardware);
  if (hw !== undefined) state.vmHardware = hw;
  return state;
}

/** The `deployed` output of this run: what the cluster runs once this `pulumi up` succeeds. */
export function deployedStateOf(plan: Plan, configTalosVersion: string = plan.configTalosVersion): DeployedState {
  return {
    talosVersion: plan.talosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    configTalosVersion,
    nodes: plan.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host, cpu: n.cpu, memoryGiB: n.memoryGiB })),
    vmHardware: VM_HARDWARE_REVISION,
  };
}
