// Rules of the storage plan: which disk is for what, judged for Ceph (Rook) before anything exists.
// Two rules, so that each has one enforcement level in the policy pack (CrossGuard levels a policy,
// not a single violation) and each level is set in the stack's policy config like the sizing rules:
//  - storage-plan (mandatory by default): the plan cannot give what 3x replication promises, or a
//    declared disk cannot become an OSD at all. Declared data disks on fewer than `replicas` nodes,
//    OSD nodes on fewer than `replicas` Proxmox hosts, a data disk below ceph-volume's 5 GB floor.
//  - storage-advice (advisory by default): the plan works but pays in capacity, balance or I/O.
//    OSDs below 100 GB, OSDs of different sizes, OS disks below 50 GB (30 GB for a worker with data
//    disks), Ceph data disks on a control plane.
// Facts come from the plan (program, preflight) or from the VMs the program emits (policy pack).
import { type ClusterFacts, type Finding, type NodeFacts, nodeLabel, undecidedFinding, unknownOf } from "./facts";
import { RULE_NAMES } from "./names";
import type { StorageThresholds } from "./thresholds";

/** ceph-volume rejects devices smaller than 5 GB ("Insufficient space (<5GB)"): Rook makes no OSD there. Not configurable. */
export const CEPH_MIN_DEVICE_GB = 5;

type Osd = { node: NodeFacts; index: number; sizeGB: number };

const dataKey = (n: NodeFacts, j?: number) => `homelab:${n.ref}.dataDisksGB${j === undefined ? "" : `[${j}]`}`;
const list = (xs: string[]) => xs.join(", ");

/** Nodes whose data disks are not known yet (policy pack on a first preview), as an undecided finding. */
function waiting(rule: string, facts: ClusterFacts): Finding[] {
  const blind = facts.nodes.filter((n) => n.dataDisksGB === undefined || n.dataDisksGB.some((s) => s === undefined));
  return blind.length ? [undecidedFinding(rule, "homelab:nodes", `the data disks of ${list(blind.map(nodeLabel))}`)] : [];
}

function osdsOf(facts: ClusterFacts): Osd[] {
  return facts.nodes.flatMap((node) =>
    (node.dataDisksGB ?? []).flatMap((s, index) => (s === undefined ? [] : [{ node, index, sizeGB: s }])),
  );
}

/**
 * Largest amount of data `replicas` copies can hold when no failure domain takes two copies of the
 * same object: the largest U with sum(min(c_i, U)) >= replicas * U (0 with fewer domains than
 * copies). Equal to raw / replicas unless one domain holds more than 1/replicas of the raw space.
 */
export function usableCapacityGB(domains: number[], replicas: number): number {
  const caps = domains.filter((c) => c > 0).sort((a, b) => b - a);
  if (replicas < 1 || caps.length < replicas) return 0;
  // the k largest domains are full at U (one copy of everything each); the rest share the other copies
  for (let k = 0; k < replicas; k++) {
    const u = caps.slice(k).reduce((s, c) => s + c, 0) / (replicas - k);
    if (caps[k] <= u) return u;
  }
  return 0; // not reached: at k = replicas - 1, caps[k] is part of the sum
}

/** Usable capacity left after losing the one failure domain whose loss costs the most. */
export function selfHealingCapacityGB(domains: number[], replicas: number): number {
  if (domains.length === 0) return 0;
  return Math.min(
    ...domains.map((_, i) =>
      usableCapacityGB(
        domains.filter((__, j) => j !== i),
        replicas,
      ),
    ),
  );
}

export function storagePlanRule(facts: ClusterFacts, t: StorageThresholds): Finding[] {
  const rule = RULE_NAMES.storagePlan;
  const out: Finding[] = [];
  const osds = osdsOf(facts);
  const r = t.replicas;

  for (const o of osds) {
    if (o.sizeGB < CEPH_MIN_DEVICE_GB) {
      out.push({
        rule,
        severity: "mandatory",
        key: dataKey(o.node, o.index),
        message: `${nodeLabel(o.node)} has a ${o.sizeGB} GB data disk: ceph-volume rejects devices under ${CEPH_MIN_DEVICE_GB} GB, so Rook never makes an OSD of it`,
        fix: `write at least ${t.recommendedOsdGB} (the recommended OSD size), or remove the entry`,
      });
    }
  }

  // nodes whose data disks are all known (OSD nodes or not), and those with a disk not known yet
  const blind = facts.nodes.filter((n) => n.dataDisksGB === undefined || n.dataDisksGB.some((x) => x === undefined));
  const osdNodes = facts.nodes.filter((n) => !blind.includes(n) && (n.dataDisksGB ?? []).length > 0);
  const mayBeOsd = osdNodes.length + blind.length;
  if (osdNodes.length > 0 && mayBeOsd < r) {
    const others = facts.nodes.filter((n) => !osdNodes.includes(n) && n.role === "worker");
    out.push({
      rule,
      severity: "mandatory",
      key: "homelab:nodes",
      message: `Ceph data disks on ${osdNodes.length} node(s) (${list(osdNodes.map(nodeLabel))}): ${r} replicas need OSDs on at least ${r} nodes, one copy each; with fewer, placement groups never become clean${osdNodes.length === 1 ? " and I/O stops" : ""}`,
      fix: `give ${r - osdNodes.length} more node(s) \`dataDisksGB\`${others.length ? ` (e.g. ${list(others.slice(0, r - osdNodes.length).map(nodeLabel))})` : ""}, each on a Proxmox host of its own, or remove every \`dataDisksGB\` if this cluster runs no Ceph`,
    });
  } else if (osdNodes.length >= r || (osdNodes.length > 0 && blind.length > 0)) {
    const hostless = [...osdNodes, ...blind].some((n) => n.host === undefined) || unknownOf(facts, ["hosts"]).length > 0;
    const hostsUsed = [...new Set(osdNodes.map((n) => n.host).filter((h): h is string => h !== undefined))];
    const hostsPossible = new Set([...hostsUsed, ...blind.map((n) => n.host).filter((h): h is string => h !== undefined)]);
    // decided when the known OSD nodes already span enough hosts, or no node still unknown could help
    const certain = !hostless && osdNodes.length >= r && hostsPossible.size < r;
    if (certain || (!hostless && blind.length === 0 && hostsUsed.length < r)) {
      // move the nodes that share a host with an earlier OSD node, onto declared hosts without OSDs
      const free = (facts.hosts ?? []).filter((h) => !hostsUsed.includes(h));
      const movable = osdNodes.filter((n, i) => osdNodes.findIndex((m) => m.host === n.host) !== i).slice(0, r - hostsUsed.length);
      const where = hostsUsed.map((h) => `${h}: ${list(osdNodes.filter((n) => n.host === h).map((n) => n.name ?? n.ref))}`).join("; ");
      movable.forEach((n, i) => {
        out.push({
          rule,
          severity: "mandatory",
          key: `homelab:${n.ref}.host`,
          message: `the ${osdNodes.length} OSD nodes sit on ${hostsUsed.length} Proxmox host(s) (${where}): ${r} replicas on VMs of one physical host are no redundancy, losing that host loses every copy it holds`,
          fix: free[i]
            ? `move ${nodeLabel(n)} to ${free[i]} (\`host: ${free[i]}\`), so the OSDs span ${r} Proxmox hosts`
            : `declare another Proxmox host under \`proxmox.hosts\` and move ${nodeLabel(n)} there (\`host:\`), so the OSDs span ${r} Proxmox hosts`,
        });
      });
    } else if (hostless && hostsUsed.length < r) {
      out.push(undecidedFinding(rule, "homelab:nodes", "the Proxmox host of an OSD node"));
    }
  }
  return [...out, ...waiting(rule, facts)];
}

export function storageAdviceRule(facts: ClusterFacts, t: StorageThresholds): Finding[] {
  const rule = RULE_NAMES.storageAdvice;
  const out: Finding[] = [];
  const osds = osdsOf(facts);

  for (const o of osds) {
    if (o.sizeGB >= CEPH_MIN_DEVICE_GB && o.sizeGB < t.recommendedOsdGB) {
      out.push({
        rule,
        severity: "advisory",
        key: dataKey(o.node, o.index),
        message: `${nodeLabel(o.node)} has a ${o.sizeGB} GB OSD, below the ${t.recommendedOsdGB} GB recommended: about 10% of an OSD goes to BlueStore metadata and Ceph stops writes at 95% full, so a small OSD holds little`,
        fix: `write ${t.recommendedOsdGB} or more`,
      });
    }
  }

  const sizes = [...new Set(osds.map((o) => o.sizeGB))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    const byNode = facts.nodes.filter((n) => n.dataDisksGB?.length).map((n) => `${n.name ?? n.ref} ${(n.dataDisksGB ?? []).join("+")}`);
    const raw = osds.reduce((s, o) => s + o.sizeGB, 0);
    const perNode = facts.nodes.map((n) => (n.dataDisksGB ?? []).reduce<number>((s, x) => s + (x ?? 0), 0)).filter((c) => c > 0);
    const r = t.replicas;
    const stranded = Math.round(raw / r - usableCapacityGB(perNode, r));
    // what Ceph can still hold at `r` copies after losing the OSD node whose loss hurts most, against
    // the same raw space split evenly over as many nodes
    const heal = perNode.length > r ? Math.round(selfHealingCapacityGB(perNode, r)) : undefined;
    const healEven = perNode.length > r ? Math.round(((perNode.length - 1) * (raw / perNode.length)) / r) : undefined;
    const largest = sizes[sizes.length - 1];
    out.push({
      rule,
      severity: "advisory",
      key: "homelab:nodes",
      message:
        `OSD sizes differ (${byNode.join(", ")} GB): CRUSH weights every OSD by its size, so a ${largest} GB OSD takes ${Math.round((largest / sizes[0]) * 10) / 10}x the data and I/O of a ${sizes[0]} GB one` +
        (stranded > 0 ? `; ${stranded} GB of raw space cannot be used at ${r} replicas` : "") +
        (heal !== undefined && healEven !== undefined && heal < healEven
          ? `; after losing the node with the most OSD space Ceph can restore ${r} copies of at most ${heal} GB (${healEven} GB with equal disks of the same total)`
          : ""),
      fix: `give every data disk the same size (\`dataDisksGB\` of each OSD node, e.g. ${Math.round(raw / osds.length)} each for the same total)`,
    });
  }

  for (const n of facts.nodes) {
    if (n.osDiskGB === undefined || n.role === undefined) continue;
    const withData = (n.dataDisksGB ?? []).length > 0;
    const floor = n.role === "worker" && withData ? t.workerOsDiskWithDataGB : t.osDiskGB;
    if (n.osDiskGB < floor) {
      out.push({
        rule,
        severity: "advisory",
        key: `homelab:${n.ref}.osDiskGB`,
        message: `${nodeLabel(n)}, a ${n.role}, has a ${n.osDiskGB} GB OS disk, below the ${floor} GB recommended${n.role === "worker" && withData ? " for a worker with separate data disks" : ""}: it holds ${n.role === "controlplane" ? "etcd, " : ""}container images, logs and ephemeral volumes`,
        fix: `set \`osDiskGB: ${floor}\` or more${n.role === "controlplane" ? " (on SSD-backed storage: etcd makes many small writes)" : ""}`,
      });
    }
    if (n.role === "controlplane" && withData) {
      out.push({
        rule,
        severity: "advisory",
        key: dataKey(n),
        message: `${nodeLabel(n)} is a control plane with Ceph data disks: Talos taints control planes NoSchedule, so Rook places no OSD there unless it tolerates the taint, and an OSD would compete with etcd for I/O and RAM`,
        fix: "move the data disks to a worker (`dataDisksGB` of a worker node)",
      });
    }
  }
  return [...out, ...waiting(rule, facts)];
}
