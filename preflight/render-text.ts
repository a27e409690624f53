// Human-readable preflight output.
import { problemWhere } from "../core/plan/problems";
import { PreflightReport } from "./report";

const pad = (s: string | number, n: number) => String(s).padEnd(n);

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
    out.push("", "IP plan:",
      `  node subnet   ${p.subnet}`, `  gateway       ${p.gateway}`, `  DNS           ${p.dns.join(", ")}`, `  NTP           ${p.ntp.join(", ")}`,
      `  API endpoint  ${p.endpoint.url} (${p.endpoint.mode}${p.endpoint.vip ? `, VIP ${p.endpoint.vip}` : ""}${p.endpoint.haproxy ? `, HAProxy ${p.endpoint.haproxy}` : ""})`,
      `  KubePrism     ${p.kubePrism} on every node`,
      `  LB pool       ${p.lbPool.start} - ${p.lbPool.stop} (${p.lbPool.size} addresses)`,
      ...(p.dhcpRange ? [`  DHCP range    ${p.dhcpRange.start} - ${p.dhcpRange.stop}`] : []),
      `  pod CIDR      ${p.podCidr}`, `  service CIDR  ${p.serviceCidr}`,
      "", `  ${pad("node", 16)}${pad("role", 14)}${pad("IP", 16)}${pad("VM ID", 8)}host`,
      ...p.nodes.map((n) => `  ${pad(n.name, 16)}${pad(n.role, 14)}${pad(n.ip, 16)}${pad(n.vmId, 8)}${n.host}`),
      "", `  free in the node subnet: ${p.freeCount} addresses: ${p.free.map((f) => (f.start === f.stop ? f.start : `${f.start}-${f.stop.split(".").pop()}`)).join(", ")}`);
  }
  if (r.capacity) {
    const c = r.capacity;
    out.push("", `Capacity (headroom wanted: ${c.headroomFactor}x):`,
      `  ${pad("node", 16)}${pad("vCPU", 6)}${pad("RAM GiB", 9)}${pad("disk GB", 9)}${pad("overhead GiB", 14)}workloads GiB`,
      ...c.nodes.map((n) => `  ${pad(n.name, 16)}${pad(n.cpu, 6)}${pad(n.memoryGiB, 9)}${pad(n.diskGB, 9)}${pad(n.overheadGiB, 14)}${n.workloadGiB}`),
      "", `  ${pad("host", 12)}${pad("vCPU", 16)}${pad("RAM GiB", 18)}disk GB`);
    for (const h of [...c.hosts, c.total]) {
      const cell = (k: "cpu" | "memoryGiB" | "diskGB") => `${h.requested[k]}${h.capacity?.[k] !== undefined ? ` / ${h.capacity[k]}` : ""}`;
      out.push(`  ${pad(h.host, 12)}${pad(cell("cpu"), 16)}${pad(cell("memoryGiB"), 18)}${cell("diskGB")}`);
    }
    const warnings = [...c.hosts, c.total].flatMap((h) => h.warnings);
    if (warnings.length) out.push("", "Capacity warnings:", ...warnings.map((w) => `  - ${w}`));
  }
  if (files.length) out.push("", "Wrote:", ...files.map((f) => `  ${f}`));
  return out.join("\n") + "\n";
}
