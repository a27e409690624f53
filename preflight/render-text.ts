// Human-readable preflight output.
import { problemWhere } from "../core/plan/problems";
import { INSTALL_DISK } from "../core/talos/patches";
import { OVERHEAD_CPU, OVERHEAD_GIB, type PreflightReport } from "./report";

const pad = (s: string | number, n: number) => String(s).padEnd(n);

/** The storage section: every disk with its purpose, totals per host and datastore, Ceph capacity. */
export function storageLines(s: NonNullable<PreflightReport["storage"]>): string[] {
  const out = [
    s.ceph
      ? `Storage (Ceph: ${s.ceph.osds} OSD(s) on ${s.ceph.osdNodes.length} node(s), ${s.ceph.osdHosts.length} Proxmox host(s), ${s.ceph.replicas} replicas):`
      : "Storage (no data disks: no Ceph):",
    `  ${pad("node", 16)}${pad("host", 10)}${pad("slot", 7)}${pad("datastore", 14)}${pad("GB", 7)}purpose`,
    ...s.disks.map(
      (d) =>
        `  ${pad(d.node, 16)}${pad(d.host, 10)}${pad(d.slot, 7)}${pad(d.datastore, 14)}${pad(d.sizeGB, 7)}${d.purpose === "os" ? `OS (Talos system disk, install disk ${INSTALL_DISK})` : "Ceph OSD (raw: Talos never formats or mounts it)"}`,
    ),
    "",
    `  ${pad("host", 10)}${pad("datastore", 14)}${pad("OS GB", 8)}${pad("Ceph GB", 9)}total GB`,
    ...s.datastores.map((t) => `  ${pad(t.host, 10)}${pad(t.datastore, 14)}${pad(t.osGB, 8)}${pad(t.osdGB, 9)}${t.totalGB}`),
    `  ${pad("total", 24)}${pad(s.total.osGB, 8)}${pad(s.total.osdGB, 9)}${s.total.totalGB}`,
  ];
  const c = s.ceph;
  if (c) {
    out.push(
      "",
      `  Ceph raw ${c.rawGB} GB; usable at ${c.replicas} replicas, one copy per node: ${c.byNode.usableGB} GB (about ${c.usableAfterMetadataGB} GB after ~10% BlueStore metadata; Ceph warns at 85% full and stops writes at 95%)`,
    );
    if (c.byNode.selfHealingGB !== undefined)
      out.push(`  to restore ${c.replicas} copies after losing any one OSD node, keep data under ${c.byNode.selfHealingGB} GB`);
    if (c.crowdedHosts.length) {
      out.push(
        `  ${c.crowdedHosts.map((h) => `${h.host} carries ${h.nodes.join(" and ")}`).join("; ")}: Rook's default failure domain is the node, so two copies of an object can land on one Proxmox host.`,
        `  With the Proxmox host as failure domain (label nodes e.g. topology.rook.io/chassis=<host>, pool failureDomain: chassis) usable is ${c.byProxmoxHost.usableGB} GB${c.byProxmoxHost.selfHealingGB !== undefined ? `, ${c.byProxmoxHost.selfHealingGB} GB to restore copies after losing a host` : ""}`,
      );
    }
  }
  return out;
}

export function renderText(r: PreflightReport, files: string[] = []): string {
  const out: string[] = [`preflight of stack ${r.stack}: ${r.ok ? "clean" : `${r.problems.length} problem(s)`}`];
  if (r.problems.length) {
    out.push("", "Problems (must fix):");
    for (const p of r.problems) out.push(`  - ${problemWhere(p)}: ${p.message}`, `      fix: ${p.fix}`);
  }
  if (r.advisories.length) {
    out.push("", "Advisories:");
    for (const a of r.advisories) out.push(`  - [${a.rule}] ${a.key}: ${a.message}`, `      fix: ${a.fix}`);
  }
  if (r.notes.length) out.push("", "Notes:", ...r.notes.map((n) => `  - ${n}`));
  if (r.ipPlan) {
    const p = r.ipPlan;
    out.push(
      "",
      "IP plan:",
      `  node subnet   ${p.subnet}`,
      `  gateway       ${p.gateway}`,
      `  DNS           ${p.dns.join(", ")}`,
      `  NTP           ${p.ntp.join(", ")}`,
      `  API endpoint  ${p.endpoint.url} (${p.endpoint.mode}${p.endpoint.vip ? `, VIP ${p.endpoint.vip}` : ""}${p.endpoint.haproxy ? `, HAProxy ${p.endpoint.haproxy}` : ""})`,
      `  KubePrism     ${p.kubePrism} on every node`,
      `  LB pool       ${p.lbPool.start} - ${p.lbPool.stop} (${p.lbPool.size} addresses)`,
      ...(p.dhcpRange ? [`  DHCP range    ${p.dhcpRange.start} - ${p.dhcpRange.stop}`] : []),
      `  pod CIDR      ${p.podCidr}`,
      `  service CIDR  ${p.serviceCidr}`,
      "",
      `  ${pad("node", 16)}${pad("role", 14)}${pad("IP", 16)}${pad("VM ID", 8)}host`,
      ...p.nodes.map((n) => `  ${pad(n.name, 16)}${pad(n.role, 14)}${pad(n.ip, 16)}${pad(n.vmId, 8)}${n.host}`),
      "",
      `  free in the node subnet: ${p.freeCount} addresses: ${p.free.map((f) => (f.start === f.stop ? f.start : `${f.start}-${f.stop.split(".").pop()}`)).join(", ")}`,
    );
  }
  if (r.capacity) {
    const c = r.capacity;
    out.push(
      "",
      `Capacity (headroom wanted: ${c.headroomFactor}x):`,
      `  ${pad("node", 16)}${pad("vCPU", 6)}${pad("RAM GiB", 9)}${pad("disk GB", 9)}${pad("overhead GiB", 14)}${pad("workloads GiB", 15)}${pad("OSD vCPU", 10)}workload vCPU`,
      ...c.nodes.map(
        (n) =>
          `  ${pad(n.name, 16)}${pad(n.cpu, 6)}${pad(n.memoryGiB, 9)}${pad(n.diskGB, 9)}${pad(n.overheadGiB, 14)}${pad(n.workloadGiB, 15)}${pad(n.overheadCpu, 10)}${n.workloadCpu}`,
      ),
      `  overhead per node: Talos ${OVERHEAD_GIB.os} + Kubernetes system ${OVERHEAD_GIB.kubernetesSystem} + Cilium ${OVERHEAD_GIB.cilium} GiB on every node, plus ${OVERHEAD_GIB.cephOsd} GiB RAM and ${OVERHEAD_CPU.cephOsd} vCPU per Ceph OSD`,
      "",
      `  ${pad("host", 12)}${pad("vCPU", 16)}${pad("RAM GiB", 18)}disk GB`,
    );
    for (const h of [...c.hosts, c.total]) {
      const cell = (k: "cpu" | "memoryGiB" | "diskGB") => `${h.requested[k]}${h.capacity?.[k] !== undefined ? ` / ${h.capacity[k]}` : ""}`;
      out.push(`  ${pad(h.host, 12)}${pad(cell("cpu"), 16)}${pad(cell("memoryGiB"), 18)}${cell("diskGB")}`);
    }
    const warnings = [...c.hosts, c.total].flatMap((h) => h.warnings);
    if (warnings.length) out.push("", "Capacity warnings:", ...warnings.map((w) => `  - ${w}`));
  }
  if (r.storage) out.push("", ...storageLines(r.storage));
  if (files.length) out.push("", "Wrote:", ...files.map((f) => `  ${f}`));
  return `${out.join("\n")}\n`;
}
