// The storage plan: which disk of which node is for what (the OS disk Talos runs from, raw data disks
// for Ceph OSDs), totals per Proxmox host and datastore, and what Ceph can hold at its replica count.
// Shown by the preflight (text, JSON, diagram); the rules judging it are core/rules/storage-rules.ts. Pure.
import { selfHealingCapacityGB, usableCapacityGB } from "../rules/storage-rules";
import type { Plan } from "./types";

/** One VM disk: ProxmoxVm creates every disk of a node on its host's `datastore`, in slot order. */
export interface StorageDisk {
  node: string;
  role: Plan["nodes"][number]["role"];
  host: string;
  /** Proxmox bus slot (scsi0 is the OS disk) */
  slot: string;
  datastore: string;
  sizeGB: number;
  /** os: Talos's system disk (seeded from the image); ceph-osd: left raw for a Ceph OSD */
  purpose: "os" | "ceph-osd";
}

export interface DatastoreTotal {
  host: string;
  datastore: string;
  osGB: number;
  osdGB: number;
  totalGB: number;
}

export interface CephCapacity {
  /** usable GB at `replicas` copies, none two on one failure domain */
  usableGB: number;
  /** what still holds `replicas` copies after losing the failure domain whose loss costs most (undefined: no spare domain) */
  selfHealingGB?: number;
}

export interface CephSummary {
  replicas: number;
  osds: number;
  osdNodes: string[];
  osdHosts: string[];
  rawGB: number;
  /** Rook's default failure domain: the Kubernetes node (one VM) */
  byNode: CephCapacity;
  /** the Proxmox host as failure domain (nodes labelled by host, e.g. topology.rook.io/chassis) */
  byProxmoxHost: CephCapacity;
  /** usable by node, less about 10% BlueStore metadata */
  usableAfterMetadataGB: number;
  /** Proxmox hosts that carry more than one OSD node */
  crowdedHosts: { host: string; nodes: string[] }[];
}

export interface StoragePlan {
  disks: StorageDisk[];
  /** per Proxmox host and datastore (only those the nodes use) */
  datastores: DatastoreTotal[];
  total: { osGB: number; osdGB: number; totalGB: number };
  /** undefined when no node has data disks (no Ceph) */
  ceph?: CephSummary;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
/** BlueStore keeps roughly this share of every OSD for metadata (the article's "about 10%"). */
export const OSD_METADATA_SHARE = 0.1;

function capacity(domains: number[], replicas: number): CephCapacity {
  return {
    usableGB: round1(usableCapacityGB(domains, replicas)),
    selfHealingGB: domains.length > replicas ? round1(selfHealingCapacityGB(domains, replicas)) : undefined,
  };
}

export function storagePlan(plan: Pick<Plan, "nodes" | "proxmox">, replicas: number): StoragePlan {
  const datastoreOf = (host: string) => plan.proxmox.hosts.find((h) => h.name === host)?.datastore ?? "";
  const disks: StorageDisk[] = plan.nodes.flatMap((n) =>
    n.disks.map((d) => ({
      node: n.name,
      role: n.role,
      host: n.host,
      slot: d.slot,
      datastore: datastoreOf(n.host),
      sizeGB: d.sizeGB,
      purpose: d.purpose === "os" ? ("os" as const) : ("ceph-osd" as const),
    })),
  );
  const datastores: DatastoreTotal[] = [];
  for (const d of disks) {
    let t = datastores.find((x) => x.host === d.host && x.datastore === d.datastore);
    if (!t) datastores.push((t = { host: d.host, datastore: d.datastore, osGB: 0, osdGB: 0, totalGB: 0 }));
    if (d.purpose === "os") t.osGB += d.sizeGB;
    else t.osdGB += d.sizeGB;
    t.totalGB += d.sizeGB;
  }
  const sum = (k: "osGB" | "osdGB" | "totalGB") => datastores.reduce((s, t) => s + t[k], 0);
  const out: StoragePlan = { disks, datastores, total: { osGB: sum("osGB"), osdGB: sum("osdGB"), totalGB: sum("totalGB") } };
  const osds = disks.filter((d) => d.purpose === "ceph-osd");
  if (osds.length === 0) return out;
  const osdNodes = [...new Set(osds.map((d) => d.node))];
  const osdHosts = [...new Set(osds.map((d) => d.host))];
  const perNode = osdNodes.map((n) => osds.filter((d) => d.node === n).reduce((s, d) => s + d.sizeGB, 0));
  const perHost = osdHosts.map((h) => osds.filter((d) => d.host === h).reduce((s, d) => s + d.sizeGB, 0));
  const byNode = capacity(perNode, replicas);
  out.ceph = {
    replicas,
    osds: osds.length,
    osdNodes,
    osdHosts,
    rawGB: sum("osdGB"),
    byNode,
    byProxmoxHost: capacity(perHost, replicas),
    usableAfterMetadataGB: round1(byNode.usableGB * (1 - OSD_METADATA_SHARE)),
    crowdedHosts: osdHosts
      .map((host) => ({ host, nodes: osdNodes.filter((n) => osds.some((d) => d.node === n && d.host === host)) }))
      .filter((h) => h.nodes.length > 1),
  };
  return out;
}
