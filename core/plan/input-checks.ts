// Input checks beyond the shape of the config: keys nobody reads, names past DNS limits, CIDRs with
// host bits or of unusable sizes, ports and lists that claim the same thing twice. Pure; every
// problem names its key and what to write instead. The address collisions between fields live in
// the shared rules (core/rules/network-rules.ts) so that the policy pack judges them too.
import type { ClusterFacts } from "../rules/facts";
import { RULE_NAMES } from "../rules/names";
import { EXTENSION_NAME } from "../talos/schematic-id";
import { cidrsOverlap, formatCidr, ipToInt, isIPv4, networkAddress, parseCidr } from "../rules/ip";
import type { ConfigProblem } from "./problems";
import { nodeSchema, type RawConfig, rawConfigSchema } from "./raw-config";

type Add = (key: string, message: string, fix: string) => void;

// ---------------------------------------------------------------------------------------------
// Keys nobody reads

/** Edit distance (insert, delete, substitute one character), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length];
}

/** The known key a typo most likely meant: close in spelling, or one contains the other (lbPools). */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(word, key);
    const close =
      d <= Math.max(1, Math.floor(Math.max(word.length, key.length) / 4)) ||
      (word.toLowerCase().includes(key.toLowerCase()) && key.length >= 4) ||
      (key.toLowerCase().includes(word.toLowerCase()) && word.length >= 4);
    if (close && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

export function unknownKeyFix(key: string, known: readonly string[], where: string): string {
  const guess = didYouMean(key, known);
  return guess ? `did you mean \`${where}${guess}\`? rename it` : `remove it; known keys are ${known.join(", ")}`;
}

/**
 * Keys of another namespace that look like a misspelt `homelab:` (`homelb:nodes`): the engine passes
 * them on, nothing reads them, and an optional setting silently keeps its default.
 */
export function misspeltNamespaceKeys(keys: readonly string[], known: readonly string[]): ConfigProblem[] {
  return keys.flatMap((k) => {
    const [ns, ...rest] = k.split(":");
    const name = rest.join(":");
    if (ns === "homelab" || !name || distance(ns, "homelab") > 2) return [];
    const guess = known.includes(name) ? name : didYouMean(name, known);
    return [
      {
        key: k,
        message: `namespace "${ns}" is not this program's; nothing reads it`,
        fix: `did you mean \`homelab:${guess ?? name}\`? rename it`,
      },
    ];
  });
}

/** Top-level keys of the namespace that no part of the program reads. */
export function unknownTopLevelKeys(config: Record<string, unknown>, known: readonly string[]): ConfigProblem[] {
  return Object.keys(config)
    .filter((k) => !known.includes(k))
    .map((k) => ({
      key: `homelab:${k}`,
      message: "is not a setting of this program; nothing reads it",
      fix: unknownKeyFix(k, known, "homelab:"),
    }));
}

// ---------------------------------------------------------------------------------------------
// Names

/** Why a DNS name is invalid (RFC 1123 host names: labels of 1-63 letters, digits, '-'; 253 in all), or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long; a DNS name has at most 253`;
  const labels = name.split(".");
  for (const label of labels) {
    if (label.length === 0) return "has an empty label (two dots, or a dot at either end)";
    if (label.length > 63) return `has the label "${label.slice(0, 20)}..." of ${label.length} characters; a label has at most 63`;
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(label))
      return `has the label "${label}": use letters, digits and '-', not at either end`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Ports a node already uses on the addresses KubePrism binds (127.0.0.1, host network)

export const NODE_PORTS: Record<number, string> = {
  2379: "etcd client",
  2380: "etcd peer",
  4240: "cilium-health",
  4244: "Hubble server",
  6443: "kube-apiserver",
  9234: "cilium-operator health",
  9879: "cilium-agent health",
  10248: "kubelet healthz",
  10250: "kubelet API",
  10257: "kube-controller-manager",
  10259: "kube-scheduler",
  50000: "Talos apid",
  50001: "Talos trustd",
};

// ---------------------------------------------------------------------------------------------
// Special IPv4 ranges no cluster network may use

const SPECIAL: Array<[string, string]> = [
  ["0.0.0.0/8", '"this network"'],
  ["127.0.0.0/8", "loopback (KubePrism listens on 127.0.0.1)"],
  ["169.254.0.0/16", "link-local (Talos host DNS uses 169.254.116.108)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

/** Kubernetes refuses an IPv4 service range larger than /12 (kube-apiserver --service-cluster-ip-range). */
export const SERVICE_CIDR_MAX_SIZE_PREFIX = 12;
/** Smallest useful service range: the API service takes the 1st address, CoreDNS the 10th. */
export const SERVICE_CIDR_MIN_SIZE_PREFIX = 28;
/** Per-node pod range kube-controller-manager hands out (node-cidr-mask-size default for IPv4). */
export const NODE_POD_PREFIX = 24;

/**
 * The parts of the config that are well-formed, each top-level key parsed on its own (nodes one by
 * one, keeping their index), so that these checks also run while other keys still have shape errors.
 */
export interface PartialConfig {
  clusterName?: RawConfig["clusterName"];
  network?: RawConfig["network"];
  endpoint?: RawConfig["endpoint"];
  image?: RawConfig["image"];
  kubePrismPort?: RawConfig["kubePrismPort"];
  lbPool?: RawConfig["lbPool"];
  /** by index; undefined where that node is malformed */
  nodes: Array<RawConfig["nodes"][number] | undefined>;
}

export function partialConfig(config: Record<string, unknown>): PartialConfig {
  const shape = rawConfigSchema.shape;
  const one = <K extends keyof typeof shape>(k: K) => {
    const r = shape[k].safeParse(config[k]);
    return r.success ? (r.data as RawConfig[K]) : undefined;
  };
  const nodes = Array.isArray(config.nodes)
    ? config.nodes.map((n) => {
        const r = nodeSchema.safeParse(n);
        return r.success ? r.data : undefined;
      })
    : [];
  return {
    clusterName: one("clusterName"),
    network: one("network"),
    endpoint: one("endpoint"),
    image: one("image"),
    kubePrismPort: one("kubePrismPort"),
    lbPool: one("lbPool"),
    nodes,
  };
}

/**
 * Address facts of the well-formed parts, for the network rule while other keys have shape errors.
 * Malformed nodes are left out; everything a rule cannot read it skips.
 */
export function partialNetworkFacts(cfg: PartialConfig): ClusterFacts {
  const nodes = cfg.nodes.flatMap((n, i) => (n ? [{ ref: `nodes[${i}]`, name: n.name, role: n.role, ip: n.ip }] : []));
  return {
    nodes,
    subnet: cfg.network?.subnet,
    gateway: cfg.network?.gateway,
    dns: cfg.network?.dns,
    ntp: cfg.network?.ntp,
    podCidr: cfg.network?.podCidr,
    serviceCidr: cfg.network?.serviceCidr,
    dhcpRange: cfg.network?.dhcpRange,
    vip: cfg.endpoint?.mode === "vip" ? cfg.endpoint.vip : undefined,
    lbPool: cfg.lbPool,
  };
}

function cidrChecks(network: RawConfig["network"], nodeCount: number, add: Add): void {
  const named: Array<[string, string, string]> = [
    ["network.subnet", "node subnet", network.subnet],
    ["network.podCidr", "pod CIDR", network.podCidr],
    ["network.serviceCidr", "service CIDR", network.serviceCidr],
  ];
  for (const [key, what, value] of named) {
    const c = parseCidr(value);
    if (!c) continue;
    // the node subnet's host bits are reported by buildPlan already
    if (key !== "network.subnet" && networkAddress(c) !== c.base) {
      add(
        key,
        `"${value}" has host bits set; Talos and Kubernetes take it as the range ${networkAddress(c)}/${c.prefix}`,
        `write the network address: ${networkAddress(c)}/${c.prefix}`,
      );
    }
    for (const [range, why] of SPECIAL) {
      if (cidrsOverlap(c, parseCidr(range)!))
        add(key, `${what} ${formatCidr(c)} overlaps ${range}, ${why}`, "use a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)");
    }
  }
  const svc = parseCidr(network.serviceCidr);
  if (svc && svc.prefix < SERVICE_CIDR_MAX_SIZE_PREFIX)
    add(
      "network.serviceCidr",
      `service CIDR /${svc.prefix} is larger than Kubernetes accepts (/${SERVICE_CIDR_MAX_SIZE_PREFIX} at most)`,
      `use a prefix of /${SERVICE_CIDR_MAX_SIZE_PREFIX} or longer, e.g. 10.96.0.0/12`,
    );
  if (svc && svc.prefix > SERVICE_CIDR_MIN_SIZE_PREFIX)
    add(
      "network.serviceCidr",
      `service CIDR /${svc.prefix} has too few addresses (CoreDNS takes the 10th)`,
      `use /${SERVICE_CIDR_MIN_SIZE_PREFIX} or shorter; /12 to /20 is usual`,
    );
  const pod = parseCidr(network.podCidr);
  if (pod) {
    const blocks = pod.prefix > NODE_POD_PREFIX ? 0 : 2 ** (NODE_POD_PREFIX - pod.prefix);
    if (blocks < nodeCount) {
      add(
        "network.podCidr",
        `pod CIDR /${pod.prefix} holds ${blocks} per-node /${NODE_POD_PREFIX} range(s) for ${nodeCount} nodes`,
        `use a prefix of /${Math.max(8, NODE_POD_PREFIX - Math.ceil(Math.log2(nodeCount)))} or shorter (e.g. /16): every node gets its own /${NODE_POD_PREFIX}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** Every check of this file, on the well-formed parts of the config. */
export function inputProblems(cfg: PartialConfig, add: Add): void {
  const { network, endpoint, image, lbPool } = cfg;
  if (network) cidrChecks(network, cfg.nodes.length, add);

  if (cfg.clusterName && cfg.clusterName.length > 63) {
    add(
      "clusterName",
      `"${cfg.clusterName.slice(0, 20)}..." is ${cfg.clusterName.length} characters long; it is a DNS label and a Proxmox tag (63 at most)`,
      "use a shorter name",
    );
  }
  cfg.nodes.forEach((n, i) => {
    if (!n) return;
    if (n.name.length > 63)
      add(
        `nodes[${i}].name`,
        `is ${n.name.length} characters long; a hostname label has at most 63`,
        "use a shorter name, e.g. talos-wrk-05",
      );
    // first octet's lowest bit set: a group (multicast) address, which no NIC may use as its own
    if (n.mac && /^[0-9A-Fa-f]{2}:/.test(n.mac) && parseInt(n.mac.slice(0, 2), 16) & 1)
      add(
        `nodes[${i}].mac`,
        `${n.mac} is a multicast address`,
        "use a unicast MAC, e.g. BC:24:11:xx:xx:xx (Proxmox's prefix), or leave `mac` out",
      );
  });
  if (endpoint?.dnsName) {
    const p = dnsNameProblem(endpoint.dnsName);
    if (p) add("endpoint.dnsName", `"${endpoint.dnsName}" ${p}`, "write a name such as k8s.home.arpa");
  }

  const dupes = (key: string, list: string[], what: string, fold = (v: string) => v) => {
    const seen = new Map<string, number>();
    list.forEach((v, i) => {
      const k = fold(v);
      if (seen.has(k))
        add(
          `${key}[${i}]`,
          `${what} ${v} is already listed at ${key}[${seen.get(k)}]`,
          "list each one once; a repeated entry adds no redundancy",
        );
      else seen.set(k, i);
    });
  };
  if (network) {
    network.ntp.forEach((v, i) => {
      const p = /^\d+(\.\d+){3}$/.test(v) ? undefined : dnsNameProblem(v);
      if (p) add(`network.ntp[${i}]`, `"${v}" ${p}`, "write an NTP server such as time.cloudflare.com");
    });
    dupes("network.dns", network.dns, "DNS server");
    dupes("network.ntp", network.ntp, "NTP server", (v) => v.toLowerCase());
  }
  if (image) {
    dupes("image.extensions", image.extensions, "extension");
    image.extensions.forEach((e, i) => {
      if (!EXTENSION_NAME.test(e))
        add(
          `image.extensions[${i}]`,
          `"${e}" is not an official extension name`,
          "write <org>/<name> in lowercase, e.g. siderolabs/qemu-guest-agent",
        );
    });
  }

  if (cfg.kubePrismPort !== undefined && NODE_PORTS[cfg.kubePrismPort]) {
    add(
      "kubePrismPort",
      `port ${cfg.kubePrismPort} is already taken on every node by ${NODE_PORTS[cfg.kubePrismPort]}`,
      "keep the default 7445, or pick a free port above 1024 that no node service uses",
    );
  }
  const hp = endpoint?.haproxy;
  if (hp) {
    for (const [port, what] of [
      [6443, "Kubernetes API"],
      [50000, "Talos API"],
    ] as const) {
      if (hp.sshPort === port)
        add(
          "endpoint.haproxy.sshPort",
          `SSH port ${port} is the HAProxy frontend port of the ${what} on that host`,
          "use the host's real SSH port (usually 22)",
        );
    }
    if (hp.listenAddress !== undefined && ["0.0.0.0", "255.255.255.255"].includes(hp.listenAddress)) {
      add(
        "endpoint.haproxy.listenAddress",
        `${hp.listenAddress} is not an address clients can reach; it becomes the cluster endpoint`,
        "write the HAProxy host's own address, or leave it out to use `endpoint.haproxy.host`",
      );
    }
    // HAProxy runs on a host of its own: its address must not be one the cluster hands out
    for (const [field, addr] of [
      ["host", hp.host],
      ["listenAddress", hp.listenAddress],
    ] as const) {
      if (!addr || !isIPv4(addr)) continue;
      const i = cfg.nodes.findIndex((n) => n?.ip === addr);
      if (i >= 0)
        add(
          `endpoint.haproxy.${field}`,
          `${addr} is the IP of nodes[${i}] (${cfg.nodes[i]!.name}); a Talos node cannot run HAProxy`,
          "use the address of a separate Linux host",
        );
      if (
        lbPool &&
        isIPv4(lbPool.start) &&
        isIPv4(lbPool.stop) &&
        ipToInt(addr) >= ipToInt(lbPool.start) &&
        ipToInt(addr) <= ipToInt(lbPool.stop)
      ) {
        add(
          `endpoint.haproxy.${field}`,
          `${addr} is inside the LB pool ${lbPool.start}-${lbPool.stop}; Cilium may hand it to a Service`,
          "use an address outside `lbPool`, or shrink the pool",
        );
      }
      if (network && addr === network.gateway)
        add(`endpoint.haproxy.${field}`, `${addr} is the gateway`, "use the HAProxy host's own address");
    }
  }
}

/**
 * Adds the node's name to problems about one node (key `homelab:nodes[6]...`), so that the message
 * reads `nodes[6] (talos-wrk-04)`. Works on the raw input, before or after the shape check.
 */
export function nameNodes(problems: ConfigProblem[], config: Record<string, unknown>): ConfigProblem[] {
  const nodes = Array.isArray(config.nodes) ? config.nodes : [];
  return problems.map((p) => {
    const m = /^homelab:nodes\[(\d+)\]/.exec(p.key);
    const name = m ? (nodes[Number(m[1])] as { name?: unknown } | undefined)?.name : undefined;
    return typeof name === "string" && name && !p.node ? { ...p, node: name } : p;
  });
}

/**
 * Rule names in the stack's policy config (policies/config/<stack>.json) that no rule has: a typo
 * there silently leaves the rule at its default level and thresholds, in the pack and here alike.
 */
export function unknownPolicyRules(policyConfig: Record<string, unknown> | undefined, stack: string): ConfigProblem[] {
  const known = [...Object.values(RULE_NAMES), "all"];
  return Object.keys(policyConfig ?? {})
    .filter((k) => !known.includes(k))
    .map((k) => ({
      key: `policies/config/${stack}.json: ${k}`,
      message: "is not a rule of the policy pack; its settings are ignored",
      fix: unknownKeyFix(k, known, ""),
    }));
}
