// The preflight report: IP plan, capacity and findings, as plain data (printed as text or JSON).
import type { Finding } from "../core/rules/facts";
import { freeRanges, type IpRange, ipToInt, intToIp, parseCidr, rangeBounds } from "../core/rules/ip";
import type { ConfigProblem } from "../core/plan/problems";
import type { Plan } from "../core/plan/types";
import { type StoragePlan, storagePlan } from "../core/plan/storage-plan";
import { DEFAULT_THRESHOLDS } from "../core/rules/thresholds";

/**
 * The article's overheads per node (GiB of RAM spent before workloads): Talos itself ~0.5, the
 * Kubernetes system share ~2 on every node (kubelet, containerd, CoreDNS, kube-system pods; control
 * planes add their static pods to the same share), Cilium 0.5-1, and per Ceph OSD ~4 (BlueStore's
 * default osd_memory_target is 4 GiB per OSD daemon).
 */
export const OVERHEAD_GIB = { os: 0.5, kubernetesSystem: 2, cilium: 0.75, cephOsd: 4 };
/** vCPU spent per Ceph OSD ("significant CPU": about one core per OSD daemon). */
export const OVERHEAD_CPU = { cephOsd: 1 };

export interface NodeOverhead {
  os: number;
  kubernetesSystem: number;
  cilium: number;
  cephOsd: number;
}
export interface NodeCapacity {
  name: string;
  role: string;
  host: string;
  cpu: number;
  memoryGiB: number;
  diskGB: number;
  /** RAM overhead, and its parts */
  overheadGiB: number;
  overhead: NodeOverhead;
  workloadGiB: number;
  /** vCPU the node's Ceph OSDs take, and what is left */
  overheadCpu: number;
  workloadCpu: number;
}
export interface HostCapacity {
  host: string;
  requested: { cpu: number; memoryGiB: number; diskGB: number };
  capacity?: { cpu?: number; memoryGiB?: number; diskGB?: number };
  /** capacity / requested, per resource, where capacity is declared */
  headroom?: { cpu?: number; memoryGiB?: number; diskGB?: number };
  warnings: string[];
}

export interface PreflightReport {
  stack: string;
  ok: boolean;
  problems: ConfigProblem[];
  advisories: Finding[];
  notes: string[];
  ipPlan?: {
    subnet: string;
    gateway: string;
    dns: string[];
    ntp: string[];
    endpoint: { mode: string; url: string; vip?: string; haproxy?: string };
    kubePrism: string;
    nodes: { name: string; role: string; ip: string; vmId: number; host: string }[];
    lbPool: IpRange & { size: number };
    dhcpRange?: IpRange;
    podCidr: string;
    serviceCidr: string;
    free: IpRange[];
    freeCount: number;
  };
  capacity?: { headroomFactor: number; nodes: NodeCapacity[]; hosts: HostCapacity[]; total: HostCapacity };
  storage?: StoragePlan;
}

export function nodeOverhead(n: Pick<Plan["nodes"][number], "dataDisksGB">): NodeOverhead {
  return {
    os: OVERHEAD_GIB.os,
    kubernetesSystem: OVERHEAD_GIB.kubernetesSystem,
    cilium: OVERHEAD_GIB.cilium,
    cephOsd: OVERHEAD_GIB.cephOsd * n.dataDisksGB.length,
  };
}

export function nodeOverheadGiB(n: Pick<Plan["nodes"][number], "dataDisksGB">): number {
  const o = nodeOverhead(n);
  return o.os + o.kubernetesSystem + o.cilium + o.cephOsd;
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * `key`: the config key the warnings are about, `homelab:proxmox.hosts[i].capacity` of a host (`.cpu`,
 * `.memoryGiB`, `.diskGB` added per warning), `homelab:proxmox.hosts` for the total.
 */
function hostCapacity(
  host: string,
  nodes: NodeCapacity[],
  capacity: HostCapacity["capacity"],
  factor: number,
  key = "homelab:proxmox.hosts",
): HostCapacity {
  const requested = {
    cpu: nodes.reduce((s, n) => s + n.cpu, 0),
    memoryGiB: round(nodes.reduce((s, n) => s + n.memoryGiB, 0)),
    diskGB: nodes.reduce((s, n) => s + n.diskGB, 0),
  };
  const warnings: string[] = [];
  let headroom: HostCapacity["headroom"];
  if (capacity) {
    headroom = {};
    for (const k of ["cpu", "memoryGiB", "diskGB"] as const) {
      const cap = capacity[k];
      if (cap === undefined || requested[k] === 0) continue;
      headroom[k] = round(cap / requested[k]);
      const at = key.endsWith(".capacity") ? `${key}.${k}` : key;
      const fix =
        host === "total"
          ? "add Proxmox hosts or capacity, or make VMs smaller"
          : `move a VM to another host (\`host:\`), make VMs smaller, or correct \`capacity.${k}\``;
      if (cap < requested[k]) warnings.push(`${at}: ${host}: ${k} requested ${requested[k]} exceeds capacity ${cap} (fix: ${fix})`);
      else if (headroom[k]! < factor)
        warnings.push(
          `${at}: ${host}: ${k} headroom ${headroom[k]}x is below the ${factor}x wanted (capacity ${cap}, requested ${requested[k]}; fix: ${fix}, or lower \`capacityHeadroom\`)`,
        );
    }
  }
  return { host, requested, capacity, headroom, warnings };
}

export function buildReport(
  stack: string,
  plan: Plan | undefined,
  problems: ConfigProblem[],
  advisories: Finding[],
  notes: string[],
  replicas = DEFAULT_THRESHOLDS.storage.replicas,
): PreflightReport {
  const report: PreflightReport = { stack, ok: problems.length === 0, problems, advisories, notes };
  if (!plan) return report;
  const subnet = parseCidr(plan.network.subnet)!;
  const taken: string[] = [plan.network.gateway, ...plan.network.dns, ...plan.nodes.map((n) => n.ip)];
  if (plan.endpoint.vip) taken.push(plan.endpoint.vip);
  const reserve = (r: IpRange) => {
    const b = rangeBounds(r);
    for (let i = b.first; i <= b.last; i++) taken.push(intToIp(i));
  };
  reserve(plan.lbPool);
  if (plan.network.dhcpRange) reserve(plan.network.dhcpRange);
  const free = freeRanges(subnet, taken);
  report.ipPlan = {
    subnet: plan.network.subnet,
    gateway: plan.network.gateway,
    dns: plan.network.dns,
    ntp: plan.network.ntp,
    endpoint: { mode: plan.endpoint.mode, url: plan.endpoint.url, vip: plan.endpoint.vip, haproxy: plan.endpoint.haproxy?.host },
    kubePrism: `127.0.0.1:${plan.kubePrismPort}`,
    nodes: plan.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host })),
    lbPool: { ...plan.lbPool, size: ipToInt(plan.lbPool.stop) - ipToInt(plan.lbPool.start) + 1 },
    dhcpRange: plan.network.dhcpRange,
    podCidr: plan.network.podCidr,
    serviceCidr: plan.network.serviceCidr,
    free,
    freeCount: free.reduce((s, r) => s + ipToInt(r.stop) - ipToInt(r.start) + 1, 0),
  };
  const nodes: NodeCapacity[] = plan.nodes.map((n) => {
    const overheadGiB = round(nodeOverheadGiB(n));
    const overheadCpu = OVERHEAD_CPU.cephOsd * n.dataDisksGB.length;
    return {
      name: n.name,
      role: n.role,
      host: n.host,
      cpu: n.cpu,
      memoryGiB: n.memoryGiB,
      diskGB: n.disks.reduce((s, d) => s + d.sizeGB, 0),
      overheadGiB,
      overhead: nodeOverhead(n),
      workloadGiB: round(n.memoryGiB - overheadGiB),
      overheadCpu,
      workloadCpu: n.cpu - overheadCpu,
    };
  });
  const factor = plan.capacityHeadroom;
  const hosts = plan.proxmox.hosts.map((h, i) =>
    hostCapacity(
      h.name,
      nodes.filter((n) => n.host === h.name),
      h.capacity,
      factor,
      `homelab:proxmox.hosts[${i}].capacity`,
    ),
  );
  const declared = plan.proxmox.hosts.every((h) => h.capacity);
  const sum = (k: "cpu" | "memoryGiB" | "diskGB") => plan.proxmox.hosts.reduce((s, h) => s + (h.capacity?.[k] ?? 0), 0);
  const total = hostCapacity(
    "total",
    nodes,
    declared ? { cpu: sum("cpu"), memoryGiB: sum("memoryGiB"), diskGB: sum("diskGB") } : undefined,
    factor,
  );
  // plans that deploy but cannot work as intended, each on the key to change
  plan.nodes.forEach((p, i) => {
    const n = nodes[i];
    if (n.workloadGiB <= 0)
      report.notes.push(
        `homelab:${p.ref}.memoryGiB: ${n.name}: estimated system overhead ${n.overheadGiB} GiB leaves no RAM for workloads (fix: write \`memoryGiB: ${Math.ceil(n.overheadGiB) + 2}\` or more)`,
      );
    if (n.overheadCpu > 0 && n.workloadCpu <= 0)
      report.notes.push(
        `homelab:${p.ref}.cpu: ${n.name}: its ${n.overheadCpu} Ceph OSD(s) take every vCPU it has (fix: write \`cpu: ${n.overheadCpu + 2}\` or more)`,
      );
  });
  // without workers, control planes keep their NoSchedule taint (Talos allowSchedulingOnControlPlanes is off): workloads have nowhere to run
  if (plan.workers.length === 0)
    report.notes.push(
      "homelab:nodes: no worker: Talos keeps control planes free of workloads, so every pod outside kube-system stays Pending (fix: add a node with `role: worker`)",
    );
  report.storage = storagePlan(plan, replicas);
  report.capacity = { headroomFactor: factor, nodes, hosts, total };
  return report;
}
