// The validated plan: everything the components need, as plain data. Built by buildPlan().
import type { Role } from "../rules/facts";
import type { TalosMinor } from "../versions";
import type { ENDPOINT_MODES } from "./raw-config";

/** A supported Talos minor: core/versions, from the pinned Talos machinery releases. */
export type { TalosMinor };
export type EndpointMode = (typeof ENDPOINT_MODES)[number];

export interface ProxmoxHostPlan {
  name: string;
  /** datastore for VM disks */
  datastore: string;
  /** datastore (with the `import` content type, Proxmox VE 8.4+) that receives the Talos image */
  imageDatastore: string;
  /** the image datastore is shared storage (declared in proxmox.sharedDatastores): one download serves every host */
  imageShared: boolean;
  capacity?: { cpu?: number; memoryGiB?: number; diskGB?: number };
}

export interface DiskPlan {
  /** Proxmox bus slot, e.g. scsi0 */
  slot: string;
  sizeGB: number;
  purpose: "os" | "data";
}

export interface NodePlan {
  name: string;
  role: Role;
  ip: string;
  vmId: number;
  host: string;
  cpu: number;
  memoryGiB: number;
  osDiskGB: number;
  dataDisksGB: number[];
  disks: DiskPlan[];
  mac?: string;
  /**
   * The node no longer answers: its config apply is kept as it is and, when the node leaves the stack
   * file, dropped without a reset (retainOnDelete); a control plane's etcd member is removed through
   * another control plane; it takes no part in upgrades, gates or health checks.
   */
  unreachable: boolean;
  /** lower starts first: control planes before workers */
  startupOrder: number;
  /** index into nodes[] in the stack config, for messages */
  ref: string;
}

export interface EndpointPlan {
  mode: EndpointMode;
  /** the address clients use for the Kubernetes API */
  host: string;
  port: number;
  /** https://host:port */
  url: string;
  vip?: string;
  haproxy?: { host: string; sshUser: string; sshPort: number; listenAddress: string };
}

export interface CiliumPlan {
  version: string;
  /** cilium.io/v2 from 1.18 on, cilium.io/v2alpha1 before */
  lbPoolApiVersion: "cilium.io/v2" | "cilium.io/v2alpha1";
}

export interface Plan {
  stack: string;
  clusterName: string;
  talosVersion: string;
  talosMinor: TalosMinor;
  /**
   * The config contract: the Talos version machine configs (and the patches' document forms) are
   * generated for. From `versions.talosConfig`, else resolved against the deployed state
   * (core/deployed/contract.ts), else the installed version.
   */
  configTalosVersion: string;
  configTalosMinor: TalosMinor;
  /** true when the stack file sets versions.talosConfig */
  configTalosVersionSet: boolean;
  kubernetesVersion: string;
  /**
   * The Kubernetes version the machine configs are generated with: the running one until the day-2
   * step (`talosctl upgrade-k8s`) has rolled the new version, which it does node by node. Regenerating
   * the configs with the new version first would restart every control plane's API server at once.
   */
  configKubernetesVersion: string;
  proxmox: {
    endpoint: string;
    insecure: boolean;
    bridge: string;
    hosts: ProxmoxHostPlan[];
    credentials: "config" | "environment";
    /** datastore IDs every host sees as the same storage (NFS, CephFS, ...) */
    sharedDatastores: string[];
  };
  /** guestAgent: the image carries siderolabs/qemu-guest-agent, so Proxmox may talk to an agent */
  image: {
    extensions: string[];
    platform: "nocloud";
    architecture: "amd64";
    guestAgent: boolean;
    /** the Image Factory's base URL without a trailing slash (default https://factory.talos.dev) */
    factoryUrl: string;
  };
  /** rolling upgrades (components/TalosUpgrade.ts) */
  upgrade: { workerBatchSize: number; snapshotDir: string; keepSnapshots: number };
  /** scheduled in-cluster etcd snapshots; absent = off (core/day2/etcd-backup.ts) */
  etcdBackup?: { schedule: string; keep: number; storageClass?: string; sizeGi: number };
  network: {
    subnet: string;
    prefix: number;
    gateway: string;
    dns: string[];
    ntp: string[];
    interface: string;
    podCidr: string;
    serviceCidr: string;
    dhcpRange?: { start: string; stop: string };
  };
  endpoint: EndpointPlan;
  kubePrismPort: number;
  /** wanted host capacity as a multiple of what the VMs request (preflight capacity report) */
  capacityHeadroom: number;
  lbPool: { start: string; stop: string };
  cilium: CiliumPlan;
  nodes: NodePlan[];
  controlPlanes: NodePlan[];
  workers: NodePlan[];
  /** the first control plane: bootstrap target */
  bootstrapNode: NodePlan;
  /** talosconfig endpoints: control-plane IPs, never the VIP */
  talosEndpoints: string[];
}
