// Rules about the shape of the cluster: control-plane count, sizing, identity, placement, endpoints.
import { type ClusterFacts, type Finding, type NodeFacts, nodeLabel, type Role, undecidedFinding as undecided, unknownOf } from "./facts";
import { RULE_NAMES } from "./names";
import { TALOS_MINIMUM, type Thresholds } from "./thresholds";

export function oddControlPlaneCount(facts: ClusterFacts, t: Thresholds): Finding[] {
  const rule = RULE_NAMES.oddControlPlaneCount;
  if (facts.nodes.some((n) => n.role === undefined)) return [undecided(rule, "homelab:nodes", "a node's role")];
  const count = facts.nodes.filter((n) => n.role === "controlplane").length;
  if (count === 0) {
    return [
      {
        rule,
        severity: "mandatory",
        key: "homelab:nodes",
        message: "the cluster has no control plane",
        fix: "add at least one node with `role: controlplane` (3 recommended)",
      },
    ];
  }
  if (count === 1 && !t.allowSingleControlPlane) {
    return [
      {
        rule,
        severity: "mandatory",
        key: "homelab:nodes",
        message: "a single control plane has no etcd quorum to survive its loss",
        fix: "add two more control planes (3 total), or set `allowSingleControlPlane: true` in this stack's policy config",
      },
    ];
  }
  if (count > 1 && count % 2 === 0) {
    return [
      {
        rule,
        severity: "mandatory",
        key: "homelab:nodes",
        message: `${count} control planes: an even etcd member count tolerates no more failures than ${count - 1}`,
        fix: `use an odd number of control planes (${count - 1} or ${count + 1})`,
      },
    ];
  }
  return [];
}

function sizingFindings(
  rule: string,
  severity: "mandatory" | "advisory",
  node: NodeFacts,
  min: { cpu: number; memoryGiB: number; diskGB: number },
  what: string,
): Finding[] {
  const out: Finding[] = [];
  const checks: Array<[keyof typeof min, number | undefined, string, string]> = [
    ["cpu", node.cpu, "cpu", "vCPU"],
    ["memoryGiB", node.memoryGiB, "memoryGiB", "GiB RAM"],
    ["diskGB", node.osDiskGB, "osDiskGB", "GB OS disk"],
  ];
  for (const [field, value, key, unit] of checks) {
    if (value === undefined) {
      out.push(undecided(rule, `homelab:${node.ref}.${key}`, `${nodeLabel(node)}'s ${unit}`));
    } else if (value < min[field]) {
      out.push({
        rule,
        severity,
        key: `homelab:${node.ref}.${key}`,
        message: `${nodeLabel(node)}, a ${node.role}, has ${value} ${unit}, below the ${what} of ${min[field]}`,
        fix: `set \`${key}: ${min[field]}\` or more`,
      });
    }
  }
  return out;
}

export function talosMinimumSizing(facts: ClusterFacts): Finding[] {
  const rule = RULE_NAMES.talosMinimumSizing;
  return facts.nodes.flatMap((n) =>
    n.role
      ? sizingFindings(rule, "mandatory", n, TALOS_MINIMUM[n.role], "Talos minimum")
      : [undecided(rule, `homelab:${n.ref}.role`, `${n.name ?? n.ref}'s role`)],
  );
}

export function recommendedSizing(facts: ClusterFacts, t: Thresholds): Finding[] {
  const rule = RULE_NAMES.recommendedSizing;
  return facts.nodes.flatMap((n) =>
    n.role
      ? sizingFindings(rule, "mandatory", n, t.recommendedSizing[n.role as Role], "recommended size")
      : [undecided(rule, `homelab:${n.ref}.role`, `${n.name ?? n.ref}'s role`)],
  );
}

function duplicates<T>(values: Array<T | undefined>): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) {
    if (v === undefined) continue;
    if (seen.has(v)) dup.add(v);
    seen.add(v);
  }
  return [...dup];
}

export function uniqueNodeIdentity(facts: ClusterFacts): Finding[] {
  const rule = RULE_NAMES.uniqueNodeIdentity;
  const out: Finding[] = [];
  const refsOf = (pred: (n: NodeFacts) => boolean) => facts.nodes.filter(pred).map(nodeLabel).join(", ");
  for (const ip of duplicates(facts.nodes.map((n) => n.ip))) {
    out.push({
      rule,
      severity: "mandatory",
      key: "homelab:nodes",
      message: `node IP ${ip} is used by ${refsOf((n) => n.ip === ip)}`,
      fix: "give every node its own `ip`",
    });
  }
  for (const name of duplicates(facts.nodes.map((n) => n.name))) {
    out.push({
      rule,
      severity: "mandatory",
      key: "homelab:nodes",
      message: `hostname ${name} is used by ${refsOf((n) => n.name === name)}`,
      fix: "give every node its own `name`",
    });
  }
  for (const id of duplicates(facts.nodes.map((n) => n.vmId))) {
    out.push({
      rule,
      severity: "mandatory",
      key: "homelab:nodes",
      message: `VM ID ${id} is used by ${refsOf((n) => n.vmId === id)}`,
      fix: "give every node its own `vmId` (Proxmox VM IDs are unique per cluster)",
    });
  }
  const partial = facts.nodes.filter((n) => n.name === undefined || n.ip === undefined || n.vmId === undefined);
  if (partial.length) out.push(undecided(rule, "homelab:nodes", `the name, IP or VM ID of ${partial.map((n) => n.ref).join(", ")}`));
  return out;
}

export function controlPlaneSpread(facts: ClusterFacts): Finding[] {
  const rule = RULE_NAMES.controlPlaneSpread;
  const cps = facts.nodes.filter((n) => n.role === "controlplane");
  if (unknownOf(facts, ["hosts"]).length) return [undecided(rule, "homelab:nodes", "the Proxmox hosts")];
  const hosts = new Set(facts.hosts ?? facts.nodes.map((n) => n.host).filter((h): h is string => !!h));
  if (hosts.size < 2 || cps.length < 2) return [];
  if (cps.some((n) => n.host === undefined)) return [undecided(rule, "homelab:nodes", "a control plane's Proxmox host")];
  const used = new Set(cps.map((n) => n.host));
  const wanted = Math.min(cps.length, hosts.size);
  if (used.size < wanted) {
    return [
      {
        rule,
        severity: "advisory",
        key: "homelab:nodes",
        message: `${cps.length} control planes share ${used.size} of ${hosts.size} Proxmox hosts: losing one host can cost etcd quorum`,
        fix: "put control planes on distinct Proxmox hosts (`host:` of each control-plane node)",
      },
    ];
  }
  return [];
}

export function talosEndpointsNotVip(facts: ClusterFacts): Finding[] {
  const rule = RULE_NAMES.talosconfigEndpointsNotVip;
  const waiting = unknownOf(facts, ["talosEndpoints", "vip"]);
  if (waiting.length) return [undecided(rule, "homelab:endpoint.vip", waiting.join(" and "))];
  if (facts.talosEndpoints === undefined || facts.vip === undefined) return [];
  if (facts.talosEndpoints.includes(facts.vip)) {
    return [
      {
        rule,
        severity: "mandatory",
        key: "homelab:endpoint.vip",
        message: `talosconfig lists the VIP ${facts.vip} as an endpoint: the VIP is down exactly when you need talosctl`,
        fix: "use the control-plane IPs as talosconfig endpoints",
      },
    ];
  }
  return [];
}

export function dnsServers(facts: ClusterFacts, t: Thresholds): Finding[] {
  if (unknownOf(facts, ["dns"]).length) return [undecided(RULE_NAMES.dnsServers, "homelab:network.dns", "the DNS server list")];
  // a server listed twice is still one server
  const distinct = facts.dns === undefined ? 0 : new Set(facts.dns).size;
  if (facts.dns === undefined || distinct >= t.minimumDnsServers) return [];
  return [
    {
      rule: RULE_NAMES.dnsServers,
      severity: "mandatory",
      key: "homelab:network.dns",
      message: `${distinct} DNS server(s) configured; one outage stops image pulls and name resolution`,
      fix: `list at least ${t.minimumDnsServers} servers under \`network.dns\``,
    },
  ];
}

export function ntpServers(facts: ClusterFacts): Finding[] {
  if (unknownOf(facts, ["ntp"]).length) return [undecided(RULE_NAMES.ntpServers, "homelab:network.ntp", "the NTP server list")];
  if (facts.ntp === undefined || facts.ntp.length > 0) return [];
  return [
    {
      rule: RULE_NAMES.ntpServers,
      severity: "mandatory",
      key: "homelab:network.ntp",
      message: "no NTP servers: etcd and certificates need synchronised clocks",
      fix: "list servers under `network.ntp`, e.g. [time.cloudflare.com, pool.ntp.org]",
    },
  ];
}
