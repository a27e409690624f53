// Generated stacks for the scale benchmark (bench/scale.ts): the reference stack (Pulumi.homelab.yaml)
// grown to N nodes, valid for the plan. Its three control planes stay as they are; workers repeat the
// reference workers' sizes and data disks in turn. Proxmox hosts: one per 10 nodes (at least the
// reference's three), each with the reference host's datastores and a capacity of what is placed on it
// times capacityHeadroom; control planes on the first three, workers round-robin. Addresses: the
// reference's, continued upwards; the node subnet widens from /24 to /22 when the nodes do not fit,
// every fixed address (gateway, DNS, DHCP range, VIP, LB pool) stays where the reference has it.
// vmIds: 1000 + the position in the address walk, as the reference numbers them (1011 for .11).
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { ipToInt, intToIp } from "../core/rules/ip";
import { referenceStackConfig } from "../tests/helpers/stacks";

type Node = {
  name: string;
  role: "controlplane" | "worker";
  ip: string;
  vmId: number;
  host: string;
  cpu: number;
  memoryGiB: number;
  osDiskGB?: number;
  dataDisksGB?: number[];
};
type Host = { name: string; datastore: string; imageDatastore: string; capacity?: { cpu: number; memoryGiB: number; diskGB: number } };

const NODES_PER_HOST = 10;

/** The `config` map of Pulumi.homelab.yaml grown to `count` nodes (keys `homelab:<name>`). */
export function scaledStackConfig(count: number): Record<string, any> {
  const ref = referenceStackConfig("homelab");
  const refNodes = ref["homelab:nodes"] as Node[];
  const controlPlanes = refNodes.filter((n) => n.role === "controlplane");
  const refWorkers = refNodes.filter((n) => n.role === "worker");
  if (count < controlPlanes.length + 1) throw new Error(`scale: at least ${controlPlanes.length + 1} nodes`);
  const network = ref["homelab:network"];
  const proxmox = ref["homelab:proxmox"];
  const endpoint = ref["homelab:endpoint"];
  const lbPool = ref["homelab:lbPool"];

  // addresses no node may take: gateway, DNS servers, the DHCP range, the VIP, the LB pool
  const reserved = (ip: number) =>
    ip === ipToInt(network.gateway) ||
    (network.dns as string[]).some((d) => ipToInt(d) === ip) ||
    (network.dhcpRange && ip >= ipToInt(network.dhcpRange.start) && ip <= ipToInt(network.dhcpRange.stop)) ||
    ip === ipToInt(endpoint.vip) ||
    (ip >= ipToInt(lbPool.start) && ip <= ipToInt(lbPool.stop));
  const [base, prefix] = (network.subnet as string).split("/");
  const firstIp = ipToInt(refNodes[0].ip);
  // the addresses from the first reference node upwards, skipping the reserved ones and .0/.255
  const walk = (subnetPrefix: number) => {
    const subnetBase = (ipToInt(base) & ((~0 << (32 - subnetPrefix)) >>> 0)) >>> 0;
    const broadcast = subnetBase + 2 ** (32 - subnetPrefix) - 1;
    const out: number[] = [];
    for (let ip = firstIp; out.length < count && ip < broadcast; ip++) {
      if ((ip & 0xff) !== 0 && (ip & 0xff) !== 0xff && !reserved(ip)) out.push(ip);
    }
    return { subnetBase, subnetPrefix, addresses: out };
  };
  // the reference subnet while the nodes fit, else a /22 (1,022 host addresses)
  let subnet = walk(Number(prefix));
  if (subnet.addresses.length < count) subnet = walk(Math.min(Number(prefix), 22));
  const { subnetBase, subnetPrefix, addresses } = subnet;
  if (addresses.length < count) throw new Error(`scale: ${count} nodes do not fit into /${subnetPrefix}`);

  const refHost = (proxmox.hosts as Host[])[0];
  const hostCount = Math.max(proxmox.hosts.length, Math.ceil(count / NODES_PER_HOST));
  const hostNames = Array.from({ length: hostCount }, (_, i) => (i < proxmox.hosts.length ? proxmox.hosts[i].name : `pve${i + 1}`));
  const pad = (i: number) => String(i).padStart(count - controlPlanes.length >= 100 ? 3 : 2, "0");
  const nodes: Node[] = [];
  addresses.forEach((ip, i) => {
    const cp = controlPlanes[i];
    const shape = cp ?? refWorkers[(i - controlPlanes.length) % refWorkers.length];
    const w = i - controlPlanes.length + 1;
    nodes.push({
      ...shape,
      name: cp ? cp.name : `talos-wrk-${pad(w)}`,
      ip: intToIp(ip),
      vmId: 1000 + (ip - subnetBase),
      // control planes keep their reference hosts; workers round-robin over every host
      host: cp ? cp.host : hostNames[(w - 1) % hostCount],
    });
  });
  const headroom = Number(ref["homelab:capacityHeadroom"] ?? 2);
  const hosts: Host[] = hostNames.map((name) => {
    const on = nodes.filter((n) => n.host === name);
    const sum = (f: (n: Node) => number) => Math.ceil(on.reduce((s, n) => s + f(n), 0) * headroom);
    return {
      name,
      datastore: refHost.datastore,
      imageDatastore: refHost.imageDatastore,
      capacity: {
        cpu: sum((n) => n.cpu),
        memoryGiB: sum((n) => n.memoryGiB),
        diskGB: sum((n) => (n.osDiskGB ?? 100) + (n.dataDisksGB ?? []).reduce((a, b) => a + b, 0)),
      },
    };
  });
  return {
    ...ref,
    "homelab:proxmox": { ...proxmox, hosts },
    "homelab:network": { ...network, subnet: `${intToIp(subnetBase)}/${subnetPrefix}` },
    "homelab:nodes": nodes,
  };
}

/** Writes Pulumi.yaml and Pulumi.<stack>.yaml of a generated stack into `dir` (never the repository). */
export function writeScaledStack(dir: string, projectDir: string, count: number, stack = "homelab"): Record<string, any> {
  const config = scaledStackConfig(count);
  fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  return config;
}
