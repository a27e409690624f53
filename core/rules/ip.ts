// IPv4 arithmetic shared by the plan builder, the preflight command and the policy pack.
// Parsing and CIDR matching come from ipaddr.js; this file only adds range helpers on top.
import ipaddr from "ipaddr.js";

export type Cidr = { base: string; prefix: number };

export function isIPv4(value: unknown): value is string {
  return typeof value === "string" && ipaddr.IPv4.isValidFourPartDecimal(value);
}

export function parseCidr(value: unknown): Cidr | undefined {
  if (typeof value !== "string" || !value.includes("/")) return undefined;
  try {
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(value);
    const [base] = value.split("/");
    if (!ipaddr.IPv4.isValidFourPartDecimal(base)) return undefined;
    return { base: addr.toString(), prefix };
  } catch {
    return undefined;
  }
}

export function ipToInt(ip: string): number {
  return ipaddr.IPv4.parse(ip)
    .toByteArray()
    .reduce((acc, b) => acc * 256 + b, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** First and last address of a CIDR (network and broadcast for prefixes below /31). */
export function cidrBounds(cidr: Cidr): { first: number; last: number } {
  const size = 2 ** (32 - cidr.prefix);
  const first = Math.floor(ipToInt(cidr.base) / size) * size;
  return { first, last: first + size - 1 };
}

export function networkAddress(cidr: Cidr): string {
  return intToIp(cidrBounds(cidr).first);
}

export function broadcastAddress(cidr: Cidr): string {
  return intToIp(cidrBounds(cidr).last);
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  return ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parse(cidr.base), cidr.prefix);
}

export type IpRange = { start: string; stop: string };

export function rangeBounds(r: IpRange): { first: number; last: number } {
  return { first: ipToInt(r.start), last: ipToInt(r.stop) };
}

export function rangeSize(r: IpRange): number {
  const b = rangeBounds(r);
  return b.last - b.first + 1;
}

export function rangeContains(r: IpRange, ip: string): boolean {
  const b = rangeBounds(r);
  const n = ipToInt(ip);
  return n >= b.first && n <= b.last;
}

type Span = { first: number; last: number };
export function spansOverlap(a: Span, b: Span): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return spansOverlap(cidrBounds(a), cidrBounds(b));
}

export function rangeWithinCidr(r: IpRange, cidr: Cidr): boolean {
  const c = cidrBounds(cidr);
  const b = rangeBounds(r);
  return b.first >= c.first && b.last <= c.last;
}

export function rangeOverlapsCidr(r: IpRange, cidr: Cidr): boolean {
  return spansOverlap(rangeBounds(r), cidrBounds(cidr));
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return spansOverlap(rangeBounds(a), rangeBounds(b));
}

/** Usable host addresses of a subnet that are not in `taken`, compressed into ranges. */
export function freeRanges(cidr: Cidr, taken: Iterable<string>): IpRange[] {
  const { first, last } = cidrBounds(cidr);
  const used = new Set<number>([...taken].filter(isIPv4).map(ipToInt));
  const lo = cidr.prefix >= 31 ? first : first + 1;
  const hi = cidr.prefix >= 31 ? last : last - 1;
  const out: IpRange[] = [];
  let start: number | undefined;
  for (let n = lo; n <= hi + 1; n++) {
    const free = n <= hi && !used.has(n);
    if (free && start === undefined) start = n;
    if (!free && start !== undefined) {
      out.push({ start: intToIp(start), stop: intToIp(n - 1) });
      start = undefined;
    }
  }
  return out;
}

export function formatCidr(c: Cidr): string {
  return `${c.base}/${c.prefix}`;
}
