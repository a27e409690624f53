// Network diagram of the plan: an SVG file and Mermaid text for pull-request comments.
import type { Plan } from "../core/plan/types";
import { type StoragePlan, storagePlan } from "../core/plan/storage-plan";
import { DEFAULT_THRESHOLDS } from "../core/rules/thresholds";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A node's disks in one line: `OS 100 GB · OSD 500 GB`. */
function diskLine(plan: Plan, name: string): string {
  const n = plan.nodes.find((x) => x.name === name)!;
  return [`OS ${n.osDiskGB} GB`, ...n.dataDisksGB.map((g) => `OSD ${g} GB`)].join(" · ");
}

function cephLine(storage: StoragePlan): string | undefined {
  const c = storage.ceph;
  return (
    c &&
    `Ceph: ${c.osds} OSDs on ${c.osdNodes.length} nodes / ${c.osdHosts.length} hosts, raw ${c.rawGB} GB, usable ${c.byNode.usableGB} GB at ${c.replicas} replicas`
  );
}

export function mermaidDiagram(plan: Plan, storage: StoragePlan = storagePlan(plan, DEFAULT_THRESHOLDS.storage.replicas)): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = [
    "flowchart TB",
    `  gw["gateway ${plan.network.gateway}"]`,
    `  net(["node subnet ${plan.network.subnet}"])`,
    "  gw --- net",
  ];
  if (plan.endpoint.vip) lines.push(`  vip{{"API VIP ${plan.endpoint.vip}:6443"}}`, "  net --- vip");
  if (plan.endpoint.haproxy) lines.push(`  hap{{"HAProxy ${plan.endpoint.haproxy.host}:6443"}}`, "  net --- hap");
  lines.push(`  pool[/"LB pool ${plan.lbPool.start}-${plan.lbPool.stop}"/]`, "  net --- pool");
  for (const h of plan.proxmox.hosts) {
    const nodes = plan.nodes.filter((n) => n.host === h.name);
    if (nodes.length === 0) continue;
    lines.push(`  subgraph ${id(h.name)}["Proxmox ${h.name}"]`);
    for (const n of nodes) lines.push(`    ${id(n.name)}["${n.name}<br/>${n.ip} · ${n.role}<br/>${diskLine(plan, n.name)}"]`);
    lines.push("  end");
    for (const n of nodes) lines.push(`  net --- ${id(n.name)}`);
  }
  lines.push(`  pods(["pods ${plan.network.podCidr} · services ${plan.network.serviceCidr}"])`);
  for (const n of plan.workers.slice(0, 1)) lines.push(`  ${id(n.name)} -.- pods`);
  const ceph = cephLine(storage);
  if (ceph) {
    lines.push(`  ceph[("${ceph}")]`);
    for (const n of storage.ceph!.osdNodes) lines.push(`  ${id(n)} -.- ceph`);
  }
  return `${lines.join("\n")}\n`;
}

export function svgDiagram(plan: Plan, storage: StoragePlan = storagePlan(plan, DEFAULT_THRESHOLDS.storage.replicas)): string {
  const hosts = plan.proxmox.hosts.filter((h) => plan.nodes.some((n) => n.host === h.name));
  const colW = 220,
    boxH = 62,
    pad = 20;
  const perHost = hosts.map((h) => plan.nodes.filter((n) => n.host === h.name));
  const maxNodes = Math.max(1, ...perHost.map((x) => x.length));
  const width = Math.max(760, pad * 2 + hosts.length * (colW + pad));
  const hostTop = 190;
  const ceph = cephLine(storage);
  const height = hostTop + 40 + maxNodes * (boxH + 10) + 90 + (ceph ? 22 : 0);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(
    `<text x="${pad}" y="28" font-size="18" font-weight="bold">${esc(plan.clusterName)}: Talos ${esc(plan.talosVersion)}, Kubernetes ${esc(plan.kubernetesVersion)}, Cilium ${esc(plan.cilium.version)}</text>`,
  );
  out.push(`<rect x="${pad}" y="48" width="200" height="40" rx="6" fill="#fde68a" stroke="#92400e"/>`);
  out.push(`<text x="${pad + 10}" y="73">gateway ${esc(plan.network.gateway)}</text>`);
  const endpointLabel = plan.endpoint.vip
    ? `API VIP ${plan.endpoint.vip}:6443`
    : plan.endpoint.haproxy
      ? `HAProxy ${plan.endpoint.haproxy.host}:6443`
      : `API ${plan.endpoint.host}:6443 (KubePrism)`;
  out.push(`<rect x="${pad + 220}" y="48" width="240" height="40" rx="6" fill="#bfdbfe" stroke="#1e3a8a"/>`);
  out.push(`<text x="${pad + 230}" y="73">${esc(endpointLabel)}</text>`);
  out.push(`<rect x="${pad + 480}" y="48" width="240" height="40" rx="6" fill="#bbf7d0" stroke="#14532d"/>`);
  out.push(`<text x="${pad + 490}" y="73">LB pool ${esc(plan.lbPool.start)}-${esc(plan.lbPool.stop.split(".").pop()!)}</text>`);
  const busY = 130;
  out.push(`<line x1="${pad}" y1="${busY}" x2="${width - pad}" y2="${busY}" stroke="#334155" stroke-width="4"/>`);
  out.push(`<text x="${pad}" y="${busY - 8}">node subnet ${esc(plan.network.subnet)} · DNS ${esc(plan.network.dns.join(", "))}</text>`);
  for (const x of [pad + 100, pad + 340, pad + 600])
    out.push(`<line x1="${x}" y1="88" x2="${x}" y2="${busY}" stroke="#334155" stroke-width="2"/>`);
  hosts.forEach((h, i) => {
    const x = pad + i * (colW + pad);
    const nodes = perHost[i];
    out.push(`<line x1="${x + colW / 2}" y1="${busY}" x2="${x + colW / 2}" y2="${hostTop}" stroke="#334155" stroke-width="2"/>`);
    out.push(
      `<rect x="${x}" y="${hostTop}" width="${colW}" height="${30 + nodes.length * (boxH + 10)}" rx="8" fill="#f1f5f9" stroke="#475569"/>`,
    );
    out.push(`<text x="${x + 10}" y="${hostTop + 20}" font-weight="bold">Proxmox ${esc(h.name)}</text>`);
    nodes.forEach((n, j) => {
      const y = hostTop + 30 + j * (boxH + 10);
      const fill = n.role === "controlplane" ? "#c7d2fe" : "#fecaca";
      out.push(`<rect x="${x + 10}" y="${y}" width="${colW - 20}" height="${boxH}" rx="5" fill="${fill}" stroke="#1f2937"/>`);
      out.push(`<text x="${x + 18}" y="${y + 18}">${esc(n.name)} (${n.vmId})</text>`);
      out.push(`<text x="${x + 18}" y="${y + 36}" font-size="12">${esc(n.ip)} · ${n.cpu} vCPU · ${n.memoryGiB} GiB</text>`);
      out.push(`<text x="${x + 18}" y="${y + 53}" font-size="12">${esc(diskLine(plan, n.name))}</text>`);
    });
  });
  out.push(
    `<text x="${pad}" y="${height - 40}">pods ${esc(plan.network.podCidr)} · services ${esc(plan.network.serviceCidr)} · KubePrism 127.0.0.1:${plan.kubePrismPort} on every node</text>`,
  );
  if (ceph) out.push(`<text x="${pad}" y="${height - 62}">${esc(ceph)}</text>`);
  out.push(
    `<text x="${pad}" y="${height - 18}" font-size="11" fill="#475569">blue: control plane · red: worker · OSD: raw data disk for Ceph</text>`,
  );
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
