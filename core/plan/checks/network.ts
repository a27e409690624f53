// Checks of `network` and `lbPool` beyond their formats: CIDRs Talos and Kubernetes can use, names
// that resolve, lists without repeats. Collisions between fields are the shared rule's
// (core/rules/network-rules.ts), so that the policy pack judges them too.
import { cidrsOverlap, formatCidr, ipToInt, networkAddress, parseCidr } from "../../rules/ip";
import type { WellFormedConfig } from "../parse";
import { type Found, listedTwice } from "./check";

type CidrKey = "subnet" | "podCidr" | "serviceCidr";
const CIDR_NAMES: Record<CidrKey, string> = { subnet: "node subnet", podCidr: "pod CIDR", serviceCidr: "service CIDR" };

/** Special IPv4 ranges no cluster network may use. */
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

/** A CIDR with host bits set stands for the range of its network address: say which one to write. */
export const cidrHostBits = (key: CidrKey) =>
  function cidrHostBits(cfg: WellFormedConfig): Found[] {
    const value = cfg.network?.[key];
    const c = parseCidr(value);
    if (!c || networkAddress(c) === c.base) return [];
    const range = `${networkAddress(c)}/${c.prefix}`;
    return [
      {
        message: `"${value}" has host bits set; Talos and Kubernetes take it as the range ${range}`,
        fix: `write the network address: ${range}`,
      },
    ];
  };

export const cidrNotSpecial = (key: CidrKey) =>
  function cidrNotSpecial(cfg: WellFormedConfig): Found[] {
    const c = parseCidr(cfg.network?.[key]);
    if (!c) return [];
    return SPECIAL.filter(([range]) => cidrsOverlap(c, parseCidr(range)!)).map(([range, why]) => ({
      message: `${CIDR_NAMES[key]} ${formatCidr(c)} overlaps ${range}, ${why}`,
      fix: "use a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)",
    }));
  };

export function serviceCidrSize(cfg: WellFormedConfig): Found[] {
  const svc = parseCidr(cfg.network?.serviceCidr);
  if (svc && svc.prefix < SERVICE_CIDR_MAX_SIZE_PREFIX) {
    return [
      {
        message: `service CIDR /${svc.prefix} is larger than Kubernetes accepts (/${SERVICE_CIDR_MAX_SIZE_PREFIX} at most)`,
        fix: `use a prefix of /${SERVICE_CIDR_MAX_SIZE_PREFIX} or longer, e.g. 10.96.0.0/12`,
      },
    ];
  }
  if (svc && svc.prefix > SERVICE_CIDR_MIN_SIZE_PREFIX) {
    return [
      {
        message: `service CIDR /${svc.prefix} has too few addresses (CoreDNS takes the 10th)`,
        fix: `use /${SERVICE_CIDR_MIN_SIZE_PREFIX} or shorter; /12 to /20 is usual`,
      },
    ];
  }
  return [];
}

/** Every node gets its own /24 of the pod CIDR. */
export function podCidrHoldsNodes(cfg: WellFormedConfig): Found[] {
  const pod = parseCidr(cfg.network?.podCidr);
  const nodeCount = cfg.nodes?.length ?? 0;
  const blocks = pod && pod.prefix <= NODE_POD_PREFIX ? 2 ** (NODE_POD_PREFIX - pod.prefix) : 0;
  if (!pod || blocks >= nodeCount) return [];
  return [
    {
      message: `pod CIDR /${pod.prefix} holds ${blocks} per-node /${NODE_POD_PREFIX} range(s) for ${nodeCount} nodes`,
      fix: `use a prefix of /${Math.max(8, NODE_POD_PREFIX - Math.ceil(Math.log2(nodeCount)))} or shorter (e.g. /16): every node gets its own /${NODE_POD_PREFIX}`,
    },
  ];
}

/** Why a DNS name is invalid (RFC 1123 host names: labels of 1-63 letters, digits, '-'; 253 in all), or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long; a DNS name has at most 253`;
  for (const label of name.split(".")) {
    if (label.length === 0) return "has an empty label (two dots, or a dot at either end)";
    if (label.length > 63) return `has the label "${label.slice(0, 20)}..." of ${label.length} characters; a label has at most 63`;
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(label))
      return `has the label "${label}": use letters, digits and '-', not at either end`;
  }
  return undefined;
}

/** NTP servers: addresses, or host names Talos can resolve. */
export function ntpServerNames(cfg: WellFormedConfig): Found[] {
  return (cfg.network?.ntp ?? []).flatMap((v, i) => {
    const problem = v === undefined || /^\d+(\.\d+){3}$/.test(v) ? undefined : dnsNameProblem(v);
    return problem ? [{ at: `[${i}]`, message: `"${v}" ${problem}`, fix: "write an NTP server such as time.cloudflare.com" }] : [];
  });
}

export const dnsListedOnce = (cfg: WellFormedConfig) => listedTwice("network.dns", cfg.network?.dns ?? [], "DNS server");
export const ntpListedOnce = (cfg: WellFormedConfig) =>
  listedTwice("network.ntp", cfg.network?.ntp ?? [], "NTP server", (v) => v.toLowerCase());

export function lbPoolInOrder(cfg: WellFormedConfig): Found[] {
  const { start, stop } = cfg.lbPool ?? {};
  if (!start || !stop || ipToInt(start) <= ipToInt(stop)) return [];
  return [{ message: `pool start ${start} is after stop ${stop}`, fix: "swap them: `start` is the lowest address of the pool" }];
}
