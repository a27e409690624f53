// Rules about addresses: node subnet, pod and service CIDRs, the VIP, the LB pool and a DHCP range.
import { type ClusterFacts, type Finding, nodeLabel, undecidedFinding, unknownOf } from "./facts";
import { RULE_NAMES } from "./names";
import {
  broadcastAddress,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  type IpRange,
  isIPv4,
  networkAddress,
  parseCidr,
  rangeContains,
  rangeOverlapsCidr,
  rangesOverlap,
  rangeWithinCidr,
} from "./ip";

const RULE = RULE_NAMES.nonOverlappingNetworks;
const bad = (key: string, message: string, fix: string): Finding => ({ rule: RULE, severity: "mandatory", key, message, fix });

/** What every part of the rule reads: the parsed networks and the addresses already known to be taken. */
interface NetworkContext {
  facts: ClusterFacts;
  out: Finding[];
  subnet: Cidr | undefined;
  pod: Cidr | undefined;
  svc: Cidr | undefined;
  nodeIps: { ref: string; label: string; ip: string }[];
  /** DNS servers inside the node subnet (not the gateway): hosts of their own */
  dnsHosts: string[];
  pool: IpRange | undefined;
}
type Cidr = NonNullable<ReturnType<typeof parseCidr>>;

export function nonOverlappingNetworks(facts: ClusterFacts): Finding[] {
  const subnet = parseCidr(facts.subnet);
  const ctx: NetworkContext = {
    facts,
    out: [],
    subnet,
    pod: parseCidr(facts.podCidr),
    svc: parseCidr(facts.serviceCidr),
    nodeIps: facts.nodes
      .map((n) => ({ ref: n.ref, label: nodeLabel(n), ip: n.ip }))
      .filter((n): n is { ref: string; label: string; ip: string } => isIPv4(n.ip)),
    // DNS servers inside the node subnet are hosts of their own: nothing else may claim their address
    // (a router that is also the resolver is checked once, as the gateway)
    dnsHosts: [...new Set(facts.dns ?? [])].filter((d) => isIPv4(d) && d !== facts.gateway && (!subnet || cidrContains(subnet, d))),
    pool: facts.lbPool && isIPv4(facts.lbPool.start) && isIPv4(facts.lbPool.stop) ? facts.lbPool : undefined,
  };
  overlappingCidrs(ctx);
  if (ctx.subnet) nodeAndGatewayAddresses(ctx, ctx.subnet);
  if (facts.vip && isIPv4(facts.vip)) vipAddress(ctx, facts.vip);
  if (ctx.pool) lbPoolRange(ctx, ctx.pool);
  dhcpRange(ctx);
  // what is decided above stands; the checks that needed an unknown value wait
  const waiting: string[] = unknownOf(facts, ["subnet", "gateway", "podCidr", "serviceCidr", "vip", "lbPool"]);
  const noIp = facts.nodes.filter((n) => n.ip === undefined).map((n) => `${n.ref}.ip`);
  if (waiting.length || noIp.length) ctx.out.push(undecidedFinding(RULE, "homelab:network", [...waiting, ...noIp].join(", ")));
  return ctx.out;
}

/** node subnet, pod and service CIDR: no two share an address */
function overlappingCidrs({ out, subnet, pod, svc }: NetworkContext): void {
  // Which key gets the problem (the message names both): the node subnet is the LAN as it is, so
  // the pod or service CIDR moves; between those two, CIDRs either nest or are apart, and the
  // narrower one, sitting inside the other, is the one to move (equal ones: the service CIDR).
  const cidrNames: Array<{ key: string; what: string; c: ReturnType<typeof parseCidr> }> = [
    { key: "homelab:network.subnet", what: "node subnet", c: subnet },
    { key: "homelab:network.podCidr", what: "pod CIDR", c: pod },
    { key: "homelab:network.serviceCidr", what: "service CIDR", c: svc },
  ];
  for (let i = 0; i < cidrNames.length; i++) {
    for (let j = i + 1; j < cidrNames.length; j++) {
      const a = cidrNames[i];
      const b = cidrNames[j];
      if (!a.c || !b.c || !cidrsOverlap(a.c, b.c)) continue;
      const [blamed, other] = i === 0 || b.c.prefix >= a.c.prefix ? [b, a] : [a, b];
      out.push(
        bad(
          blamed.key,
          `${blamed.what} ${formatCidr(blamed.c!)} overlaps the ${other.what} ${formatCidr(other.c!)} (${other.key})`,
          `move one of them so they share no address: change \`${blamed.key.slice(8)}\`${i === 0 ? "" : ` or \`${other.key.slice(8)}\``} (e.g. 10.20.0.0/16 pods, 10.96.0.0/12 services)`,
        ),
      );
    }
  }
}

/** every node IP inside the node subnet, a host address, nobody else's; the gateway inside it */
function nodeAndGatewayAddresses({ facts, out, nodeIps, dnsHosts }: NetworkContext, subnet: Cidr): void {
  for (const n of nodeIps) {
    const key = `homelab:${n.ref}.ip`;
    if (!cidrContains(subnet, n.ip))
      out.push(
        bad(key, `node IP ${n.ip} is outside the node subnet ${formatCidr(subnet)}`, `pick an address inside ${formatCidr(subnet)}`),
      );
    else if (n.ip === networkAddress(subnet) || n.ip === broadcastAddress(subnet))
      out.push(bad(key, `node IP ${n.ip} is the network or broadcast address of ${formatCidr(subnet)}`, "pick a host address"));
    if (facts.gateway && n.ip === facts.gateway)
      out.push(bad(key, `node IP ${n.ip} is the gateway`, "pick an address other than `network.gateway`"));
    if (facts.vip && n.ip === facts.vip) out.push(bad(key, `node IP ${n.ip} is the API VIP`, "pick an address other than `endpoint.vip`"));
    if (dnsHosts.includes(n.ip))
      out.push(bad(key, `node IP ${n.ip} of ${n.label} is the DNS server listed in network.dns`, "pick an address no other host uses"));
  }
  if (facts.gateway && isIPv4(facts.gateway) && !cidrContains(subnet, facts.gateway)) {
    out.push(
      bad(
        "homelab:network.gateway",
        `gateway ${facts.gateway} is outside the node subnet ${formatCidr(subnet)}`,
        `use the router address inside ${formatCidr(subnet)}`,
      ),
    );
  } else if (
    facts.gateway &&
    isIPv4(facts.gateway) &&
    subnet.prefix < 31 &&
    [networkAddress(subnet), broadcastAddress(subnet)].includes(facts.gateway)
  ) {
    out.push(
      bad(
        "homelab:network.gateway",
        `gateway ${facts.gateway} is the network or broadcast address of ${formatCidr(subnet)}`,
        "use the router's own address",
      ),
    );
  }
}

/** the VIP: inside the node subnet, nobody else's address, outside the LB pool */
function vipAddress({ facts, out, subnet, dnsHosts, pool }: NetworkContext, vip: string): void {
  const key = "homelab:endpoint.vip";
  if (subnet && !cidrContains(subnet, vip))
    out.push(
      bad(
        key,
        `VIP ${vip} is outside the node subnet ${formatCidr(subnet)}`,
        `pick an unused address inside ${formatCidr(subnet)}: a layer-2 VIP only works on the nodes' own segment`,
      ),
    );
  if (facts.gateway && vip === facts.gateway) out.push(bad(key, `VIP ${vip} is the gateway`, "pick an unused address for the VIP"));
  if (dnsHosts.includes(vip))
    out.push(bad(key, `VIP ${vip} is the DNS server listed in network.dns`, "pick an unused address for the VIP"));
  if (subnet && subnet.prefix < 31 && [networkAddress(subnet), broadcastAddress(subnet)].includes(vip))
    out.push(bad(key, `VIP ${vip} is the network or broadcast address of ${formatCidr(subnet)}`, "pick an unused host address"));
  if (pool && rangeContains(pool, vip))
    out.push(bad(key, `VIP ${vip} is inside the LB pool ${pool.start}-${pool.stop}`, "move the VIP out of `lbPool`, or shrink the pool"));
}

/** the LB pool: inside the node subnet, apart from the pod and service CIDRs, no host's address */
function lbPoolRange({ facts, out, subnet, pod, svc, nodeIps, dnsHosts }: NetworkContext, pool: IpRange): void {
  const key = "homelab:lbPool";
  const text = `${pool.start}-${pool.stop}`;
  if (pod && rangeOverlapsCidr(pool, pod))
    out.push(bad(key, `LB pool ${text} overlaps the pod CIDR`, "take the pool from the node subnet"));
  if (svc && rangeOverlapsCidr(pool, svc))
    out.push(bad(key, `LB pool ${text} overlaps the service CIDR`, "take the pool from the node subnet"));
  if (subnet && !rangeWithinCidr(pool, subnet))
    out.push(
      bad(
        key,
        `LB pool ${text} is not inside the node subnet ${formatCidr(subnet)}`,
        "L2 announcements answer ARP on the node segment: take the pool from the node subnet",
      ),
    );
  for (const n of nodeIps) {
    if (rangeContains(pool, n.ip))
      out.push(bad(key, `LB pool ${text} contains node IP ${n.ip} of ${n.label}`, "keep node IPs out of the pool"));
  }
  if (facts.gateway && isIPv4(facts.gateway) && rangeContains(pool, facts.gateway))
    out.push(bad(key, `LB pool ${text} contains the gateway ${facts.gateway}`, "keep the gateway out of the pool"));
  for (const d of dnsHosts)
    if (rangeContains(pool, d)) out.push(bad(key, `LB pool ${text} contains the DNS server ${d}`, "keep the DNS servers out of the pool"));
  if (subnet && subnet.prefix < 31) {
    for (const [addr, what] of [
      [networkAddress(subnet), "network"],
      [broadcastAddress(subnet), "broadcast"],
    ]) {
      if (rangeContains(pool, addr))
        out.push(
          bad(
            key,
            `LB pool ${text} contains the ${what} address ${addr} of ${formatCidr(subnet)}`,
            "start the pool above the network address and stop it below the broadcast address",
          ),
        );
    }
  }
}

/** the router's DHCP range (policy config) hands out no static address and stays apart from the pool */
function dhcpRange({ facts, out, nodeIps, dnsHosts, pool }: NetworkContext): void {
  const dhcp = facts.dhcpRange && isIPv4(facts.dhcpRange.start) && isIPv4(facts.dhcpRange.stop) ? facts.dhcpRange : undefined;
  if (!dhcp) return;
  const key = "homelab:network.dhcpRange";
  const text = `${dhcp.start}-${dhcp.stop}`;
  const statics: Array<[string, string]> = [
    ...nodeIps.map((n): [string, string] => [n.ip, n.label]),
    ...dnsHosts.map((d): [string, string] => [d, "a DNS server"]),
    ...(facts.vip && isIPv4(facts.vip) ? [[facts.vip, "the VIP"] as [string, string]] : []),
    ...(facts.gateway && isIPv4(facts.gateway) ? [[facts.gateway, "the gateway"] as [string, string]] : []),
  ];
  for (const [ip, what] of statics) {
    if (rangeContains(dhcp, ip))
      out.push(
        bad(key, `DHCP range ${text} hands out ${ip} (${what})`, "shrink the router's DHCP range or move the static address out of it"),
      );
  }
  if (pool && rangesOverlap(dhcp, pool as IpRange))
    out.push(bad(key, `DHCP range ${text} overlaps the LB pool ${pool.start}-${pool.stop}`, "keep the pool and the DHCP range apart"));
}
