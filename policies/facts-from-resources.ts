// Builds the shared rules' ClusterFacts from the resources the program really emits: Proxmox VMs
// (role from their tags), Talos configuration applies (their patches) and the Cilium pool. Reads no
// stack config.
//
// On a preview, CrossGuard hands every resource's props through a proxy that throws UnknownValueError
// as soon as an unknown value is read. Every property is therefore read on its own, through `read`:
// an unknown costs exactly the facts derived from it (listed in `facts.unknown`, or left undefined on
// a node), and the rules that need those facts say "cannot decide yet" while all others still judge.
import { UnknownValueError } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import type { ClusterFacts, FactName, NodeFacts, Role } from "../core/rules/facts";
import { cidrBounds, intToIp, parseCidr } from "../core/rules/ip";

export const TYPES = {
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  lbPoolV2: "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool",
  lbPoolV2alpha1: "kubernetes:cilium.io/v2alpha1:CiliumLoadBalancerIPPool",
} as const;

export interface ResourceLike {
  type: string;
  name: string;
  props: Record<string, any>;
}

/** Marker for a value the engine does not know yet (preview). */
export const UNKNOWN = Symbol("unknown");
type Unknown = typeof UNKNOWN;

function isUnknownError(e: unknown): boolean {
  // by class, and by name in case a second copy of @pulumi/policy built the proxy
  return e instanceof UnknownValueError || (e instanceof Error && e.constructor?.name === "UnknownValueError");
}

/**
 * Reads one property path. Unknown (preview) gives UNKNOWN; anything unreadable (wrong shape) gives
 * undefined, like a missing value. Only plain values leave here, never a proxy: callers convert.
 */
function read<T>(get: () => T): T | Unknown | undefined {
  try {
    return get();
  } catch (e) {
    if (isUnknownError(e)) return UNKNOWN;
    return undefined;
  }
}

const asStr = (v: unknown) => (typeof v === "string" ? v : undefined);
const asNum = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
/** A known string, UNKNOWN, or undefined (absent or not a string). */
const readStr = (get: () => unknown): string | Unknown | undefined => {
  const v = read(get);
  return v === UNKNOWN ? UNKNOWN : asStr(v);
};
const readNum = (get: () => unknown): number | undefined => {
  const v = read(get);
  return v === UNKNOWN ? undefined : asNum(v);
};
const known = <T>(v: T | Unknown | undefined): T | undefined => (v === UNKNOWN ? undefined : v);

/** Copies an array of strings element by element; UNKNOWN if the array or any element is unknown. */
function readStrings(get: () => unknown): string[] | Unknown | undefined {
  const arr = read(get);
  if (arr === UNKNOWN) return UNKNOWN;
  if (!Array.isArray(arr)) return undefined;
  const n = readNum(() => arr.length) ?? 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = readStr(() => arr[i]);
    if (v === UNKNOWN) return UNKNOWN;
    if (v !== undefined) out.push(v);
  }
  return out;
}

function roleOf(tags: string[] | Unknown | undefined): Role | undefined {
  if (!Array.isArray(tags)) return undefined;
  if (tags.includes("controlplane")) return "controlplane";
  if (tags.includes("worker")) return "worker";
  return undefined;
}

/**
 * Sizes of the VM's disks after the first (the OS disk, which imports the Talos image): the Ceph data
 * disks. Undefined when the disk list cannot be read; an entry undefined when that size is unknown.
 */
function dataDisks(p: Record<string, any>): Array<number | undefined> | undefined {
  const disks = read(() => p.disks);
  if (disks === UNKNOWN || !Array.isArray(disks)) return undefined;
  const n = readNum(() => disks.length) ?? 0;
  const out: Array<number | undefined> = [];
  for (let i = 1; i < n; i++) out.push(readNum(() => disks[i].size));
  return out;
}

interface VmFacts {
  node: NodeFacts;
  address: string | Unknown | undefined;
  gateway: string | Unknown | undefined;
}

function vmFacts(r: ResourceLike): VmFacts {
  const p = r.props;
  const name = known(readStr(() => p.name));
  const address = readStr(() => p.initialization.ipConfigs[0].ipv4.address);
  const memoryMiB = readNum(() => p.memory.dedicated);
  return {
    node: {
      ref: `nodes(${name ?? r.name})`,
      name,
      role: roleOf(readStrings(() => p.tags)),
      ip: known(address)?.split("/")[0],
      host: known(readStr(() => p.nodeName)),
      vmId: readNum(() => p.vmId),
      cpu: readNum(() => p.cpu.cores),
      memoryGiB: memoryMiB === undefined ? undefined : memoryMiB / 1024,
      osDiskGB: readNum(() => p.disks[0].size),
      dataDisksGB: dataDisks(p),
    },
    address,
    gateway: readStr(() => p.initialization.ipConfigs[0].ipv4.gateway),
  };
}

/**
 * The documents of one patch text, parsed once per text: CrossGuard runs every stack policy on its own
 * (each call rebuilds the facts from every resource), so each node's patches reach the pack 14 times.
 * Parsing YAML is the costly part; the facts get their own copy of the parsed documents.
 */
const parsedPatches = new Map<string, Record<string, any>[]>();
const PARSED_PATCHES_KEPT = 10_000;

function parsePatch(text: string): Record<string, any>[] {
  let docs = parsedPatches.get(text);
  if (docs === undefined) {
    docs = parseAllDocuments(text)
      .map((d) => d.toJSON())
      .filter((v): v is Record<string, any> => !!v && typeof v === "object");
    // a long-running pack sees each stack's patches again and again; keep the cache bounded
    if (parsedPatches.size >= PARSED_PATCHES_KEPT) parsedPatches.clear();
    parsedPatches.set(text, docs);
  }
  return structuredClone(docs);
}

/** Patch documents of one configuration apply, and whether any of its patches is still unknown. */
export function patchDocuments(r: ResourceLike): { docs: Record<string, any>[]; unknown: boolean } {
  const patches = readStrings(() => r.props.configPatches);
  if (patches === UNKNOWN) return { docs: [], unknown: true };
  return { docs: (patches ?? []).flatMap(parsePatch), unknown: false };
}

export interface ExtraFacts {
  dhcpRange?: { start: string; stop: string };
}

const first = <T>(xs: T[]): T | undefined => (xs.length ? xs[0] : undefined);

export function factsFromResources(resources: ResourceLike[], extra: ExtraFacts = {}): ClusterFacts {
  const unknown = new Set<FactName>();
  const typeOf = (r: ResourceLike) => asStr(read(() => r.type));
  const vms = resources.filter((r) => typeOf(r) === TYPES.vm).map(vmFacts);
  const applies = resources.filter((r) => typeOf(r) === TYPES.apply).map(patchDocuments);
  const docs = applies.flatMap((a) => a.docs);
  const somePatchUnknown = applies.some((a) => a.unknown);
  const v1 = docs.filter((d) => !("kind" in d));
  const ifaces = v1.flatMap((d) => d.machine?.network?.interfaces ?? []);
  const links = docs.filter((d) => d.kind === "LinkConfig");

  // A fact found in a known patch is known (every node carries the same network settings); one not
  // found while some patch is unknown may be hiding there, so it is unknown rather than absent.
  const fromPatches = <T>(name: FactName, value: T | undefined, absent: T | undefined = undefined): T | undefined => {
    if (value !== undefined) return value;
    if (somePatchUnknown) unknown.add(name);
    return somePatchUnknown ? undefined : absent;
  };

  // node subnet: first static address with a prefix (v1alpha1 interfaces, LinkConfig, else the VMs)
  const patchAddresses = [
    ...ifaces.flatMap((i: any) => i?.addresses ?? []),
    ...links.flatMap((d) => (d.addresses ?? []).map((a: any) => a?.address)),
  ].filter((a): a is string => typeof a === "string");
  const vmAddresses = vms.map((v) => known(v.address)).filter((a): a is string => !!a);
  const cidr = [...patchAddresses, ...vmAddresses].map(parseCidr).find(Boolean);
  const subnet: string | undefined = cidr ? `${intToIp(cidrBounds(cidr).first)}/${cidr.prefix}` : undefined;
  if (!subnet && (somePatchUnknown || vms.some((v) => v.address === UNKNOWN))) unknown.add("subnet");

  const patchGateways = [
    ...ifaces.flatMap((i: any) => i?.routes ?? []).map((r: any) => r?.gateway),
    ...links.flatMap((d) => d.routes ?? []).map((r: any) => r?.gateway),
  ].filter((g): g is string => typeof g === "string");
  const gateway = first(patchGateways) ?? first(vms.map((v) => known(v.gateway)).filter((g): g is string => !!g));
  if (!gateway && (somePatchUnknown || vms.some((v) => v.gateway === UNKNOWN))) unknown.add("gateway");

  const vips = [...ifaces.map((i: any) => i?.vip?.ip), ...docs.filter((d) => d.kind === "Layer2VIPConfig").map((d) => d.name)].filter(
    (v): v is string => typeof v === "string",
  );

  const dnsLists = [
    ...v1.map((d) => d.machine?.network?.nameservers).filter(Array.isArray),
    ...docs.filter((d) => d.kind === "ResolverConfig").map((d) => (d.nameservers ?? []).map((n: any) => n?.address)),
  ] as string[][];
  const ntpLists = [
    ...v1.map((d) => d.machine?.time?.servers).filter(Array.isArray),
    ...docs.filter((d) => d.kind === "TimeSyncConfig").map((d) => d.ntp?.servers ?? []),
  ] as string[][];
  const hasApplies = applies.length > 0;

  const pools = resources.filter((r) => {
    const t = typeOf(r);
    return t === TYPES.lbPoolV2 || t === TYPES.lbPoolV2alpha1;
  });
  let lbPool: ClusterFacts["lbPool"];
  if (pools.length) {
    const start = readStr(() => pools[0].props.spec.blocks[0].start);
    const stop = readStr(() => pools[0].props.spec.blocks[0].stop);
    if (start === UNKNOWN || stop === UNKNOWN) unknown.add("lbPool");
    else if (start && stop) lbPool = { start, stop };
  }

  const endpointResources = resources.filter((r) => [TYPES.apply, TYPES.bootstrap, TYPES.kubeconfig].includes(typeOf(r) as never));
  const endpoints = endpointResources.map((r) => readStr(() => r.props.endpoint));
  let talosEndpoints: string[] | undefined;
  if (endpoints.includes(UNKNOWN)) unknown.add("talosEndpoints");
  else {
    const list = endpoints.filter((e): e is string => !!e);
    talosEndpoints = list.length ? [...new Set(list)] : undefined;
  }

  const hostReads = resources.filter((r) => typeOf(r) === TYPES.vm).map((r) => readStr(() => r.props.nodeName));
  if (hostReads.includes(UNKNOWN)) unknown.add("hosts");

  return {
    nodes: vms.map((v) => v.node),
    hosts: [...new Set(hostReads.filter((h): h is string => typeof h === "string" && !!h))],
    subnet,
    gateway,
    // no patches at all (nothing to judge) is not "no DNS servers"
    dns: hasApplies ? fromPatches("dns", first(dnsLists), []) : undefined,
    ntp: hasApplies ? fromPatches("ntp", first(ntpLists), []) : undefined,
    podCidr: fromPatches("podCidr", asStr(first(v1.map((d) => d.cluster?.network?.podSubnets?.[0]).filter(Boolean)))),
    serviceCidr: fromPatches("serviceCidr", asStr(first(v1.map((d) => d.cluster?.network?.serviceSubnets?.[0]).filter(Boolean)))),
    vip: fromPatches("vip", first(vips)),
    lbPool,
    dhcpRange: extra.dhcpRange,
    talosEndpoints,
    unknown: unknown.size ? [...unknown].sort() : undefined,
  };
}
