// What the stack's last successful `pulumi up` deployed. The program exports it as the stack output
// `deployed` and reads it back on the next run (a StackReference to its own stack), so rules can judge
// a change against the running cluster, not only against the new stack file.
import type { Role } from "../rules/facts";
import type { Plan } from "../plan/types";

export const DEPLOYED_OUTPUT = "deployed";

export interface DeployedNode {
  name: string;
  role: Role;
  ip: string;
  /** VM identity and size, to tell replacements and pending VM reboots apart (absent in older outputs) */
  vmId?: number;
  host?: string;
  cpu?: number;
  memoryGiB?: number;
  /**
   * What Proxmox edits are judged against (core/deployed/changes.ts; absent in older outputs): the disk
   * sizes in slot order (scsi0 is the OS disk), the datastore the disks live on, the NIC's MAC as set
   * in the stack file (absent: Proxmox generated one)
   */
  osDiskGB?: number;
  dataDisksGB?: number[];
  datastore?: string;
  mac?: string;
}

/** Cluster-wide settings a running cluster cannot change in place, as last deployed (absent in older outputs). */
export interface DeployedCluster {
  clusterName?: string;
  podCidr?: string;
  serviceCidr?: string;
  endpoint?: { mode: string; host: string; vip?: string };
  /** proxmox.bridge: every VM's NIC */
  bridge?: string;
  /** proxmox.hosts in stack-file order: name and VM datastore */
  hosts?: { name: string; datastore: string }[];
  workerBatchSize?: number;
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
  /**
   * per node: the config apply's mode and a hash of what the program renders its config from (see
   * core/deployed/rollout.ts applyModeFor), so a run that changes nothing keeps the mode
   */
  applyModes?: Record<string, string>;
  configInputHashes?: Record<string, string>;
  /** the last run removed nodes and skipped the health check: the next run checks */
  healthCheckPending?: boolean;
  vmHardware?: number;
  cluster?: DeployedCluster;
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
        const name = str(o.name),
          ip = str(o.ip);
        const role = o.role === "controlplane" || o.role === "worker" ? o.role : undefined;
        if (!name || !ip || !role) return [];
        const node: DeployedNode = { name, role, ip };
        // only fields really present, so an older output reads back exactly as it was written
        const vmId = num(o.vmId),
          host = str(o.host),
          cpu = num(o.cpu),
          memoryGiB = num(o.memoryGiB);
        if (vmId !== undefined) node.vmId = vmId;
        if (host !== undefined) node.host = host;
        if (cpu !== undefined) node.cpu = cpu;
        if (memoryGiB !== undefined) node.memoryGiB = memoryGiB;
        const osDiskGB = num(o.osDiskGB),
          datastore = str(o.datastore),
          mac = str(o.mac);
        if (osDiskGB !== undefined) node.osDiskGB = osDiskGB;
        if (Array.isArray(o.dataDisksGB) && o.dataDisksGB.every((d) => num(d) !== undefined)) node.dataDisksGB = o.dataDisksGB as number[];
        if (datastore !== undefined) node.datastore = datastore;
        if (mac !== undefined) node.mac = mac;
        return [node];
      })
    : undefined;
  const state: DeployedState = {
    talosVersion: str(v.talosVersion),
    kubernetesVersion: str(v.kubernetesVersion),
    configTalosVersion: str(v.configTalosVersion),
    nodes,
  };
  for (const k of ["machineConfigHashes", "applyModes", "configInputHashes"] as const) {
    const rec = v[k];
    if (rec && typeof rec === "object" && !Array.isArray(rec)) {
      state[k] = Object.fromEntries(Object.entries(rec).filter(([, h]) => typeof h === "string")) as Record<string, string>;
    }
  }
  if (v.healthCheckPending === true) state.healthCheckPending = true;
  const hw = num(v.vmHardware);
  if (hw !== undefined) state.vmHardware = hw;
  const cluster = parseCluster(v.cluster);
  if (cluster) state.cluster = cluster;
  return state;
}

function parseCluster(value: unknown): DeployedCluster | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const c = value as Record<string, unknown>;
  const out: DeployedCluster = {};
  for (const k of ["clusterName", "podCidr", "serviceCidr", "bridge"] as const) {
    const x = str(c[k]);
    if (x !== undefined) out[k] = x;
  }
  const batch = num(c.workerBatchSize);
  if (batch !== undefined) out.workerBatchSize = batch;
  const e = c.endpoint as Record<string, unknown> | undefined;
  if (e && typeof e === "object" && str(e.mode) && typeof e.host === "string") {
    out.endpoint = { mode: str(e.mode)!, host: e.host };
    if (str(e.vip)) out.endpoint.vip = str(e.vip);
  }
  if (Array.isArray(c.hosts)) {
    out.hosts = c.hosts.flatMap((h) => {
      const o = (h ?? {}) as Record<string, unknown>;
      return str(o.name) && str(o.datastore) ? [{ name: str(o.name)!, datastore: str(o.datastore)! }] : [];
    });
  }
  return out;
}

/** The `deployed` output of this run: what the cluster runs once this `pulumi up` succeeds. */
export function deployedStateOf(plan: Plan, configTalosVersion: string = plan.configTalosVersion): DeployedState {
  return {
    talosVersion: plan.talosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    configTalosVersion,
    nodes: plan.nodes.map((n) => {
      const node: DeployedNode = {
        name: n.name,
        role: n.role,
        ip: n.ip,
        vmId: n.vmId,
        host: n.host,
        cpu: n.cpu,
        memoryGiB: n.memoryGiB,
        osDiskGB: n.osDiskGB,
        dataDisksGB: [...n.dataDisksGB],
        datastore: plan.proxmox.hosts.find((h) => h.name === n.host)?.datastore ?? "",
      };
      if (n.mac) node.mac = n.mac;
      return node;
    }),
    vmHardware: VM_HARDWARE_REVISION,
    cluster: {
      clusterName: plan.clusterName,
      podCidr: plan.network.podCidr,
      serviceCidr: plan.network.serviceCidr,
      endpoint: { mode: plan.endpoint.mode, host: plan.endpoint.host, ...(plan.endpoint.vip ? { vip: plan.endpoint.vip } : {}) },
      bridge: plan.proxmox.bridge,
      hosts: plan.proxmox.hosts.map((h) => ({ name: h.name, datastore: h.datastore })),
      workerBatchSize: plan.upgrade.workerBatchSize,
    },
  };
}
