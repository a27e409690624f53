// Builds the shared rules' ClusterFacts from the resources the program really emits: Proxmox VMs
// (role from their tags), Talos configuration applies (their patches) and the Cilium pool. Reads no
// stack config. Anything unreadable or still unknown (preview) stays undefined.
import { parseAllDocuments } from "yaml";
import { ClusterFacts, NodeFacts, Role } from "../core/rules/facts";
import { cidrBounds, intToIp, parseCidr } from "../core/rules/ip";

export const TYPES = {
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  lbPoolV2: "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool",
  lbPoolV2alpha1: "kubernetes:cilium.io/v2alpha1:CiliumLoadBalancerIPPool",
} as const;

export interface ResourceLike { type: string; name: string; props: Record<string, any> }

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function roleOf(tags: unknown): Role | undefined {
  if (!Array.isArray(tags)) return undefined;
  if (tags.includes("controlplane")) return "controlplane";
  if (tags.includes("worker")) return "worker";
  return undefined;
}

function nodeFromVm(r: ResourceLike): NodeFacts {
  const p = r.props ?? {};
  const address = str(p.initialization?.ipConfigs?.[0]?.ipv4?.address);
  const memoryMiB = num(p.memory?.dedicated);
  return {
    ref: `nodes(${str(p.name) ?? r.name})`,
    name: str(p.name),
    role: roleOf(p.tags),
    ip: address?.split("/")[0],
    host: str(p.nodeName),
    vmId: num(p.vmId),
    cpu: num(p.cpu?.cores),
    memoryGiB: memoryMiB === undefined ? undefined : memoryMiB / 1024,
    osDiskGB: num(p.disks?.[0]?.size),
  };
}

/** Patch documents of a configuration apply; unknown or malformed patches give an empty list. */
export function patchDocuments(r: ResourceLike): Record<string, any>[] {
  const patches = r.props?.configPatches;
  if (!Array.isArray(patches)) return [];
  const out: Record<string, any>[] = [];
  for (const p of patches) {
    if (typeof p !== "string") continue;
    for (const d of parseAllDocuments(p)) {
      const v = d.toJSON();
      if (v && typeof v === "object") out.push(v);
    }
  }
  return out;
}

export interface ExtraFacts { dhcpRange?: { start: string; stop: string } }

export function factsFromResources(resources: ResourceLike[], extra: ExtraFacts = {}): ClusterFacts {
  const vms = resources.filter((r) => r.type === TYPES.vm);
  const applies = resources.filter((r) => r.type === TYPES.apply);
  const docs = applies.flatMap(patchDocuments);
  const v1 = docs.filter((d) => !("kind" in d));

  // node subnet from the first static address with a prefix (v1alpha1 interfaces or LinkConfig)
  const addresses: string[] = [
    ...v1.flatMap((d) => d.machine?.network?.interfaces ?? []).flatMap((i: any) => i?.addresses ?? []),
    ...docs.filter((d) => d.kind === "LinkConfig").flatMap((d) => (d.addresses ?? []).map((a: any) => a?.address)),
  ].filter((a): a is string => typeof a === "string");
  const cidr = addresses.map(parseCidr).find(Boolean);
  const subnet = cidr ? `${intToIp(cidrBounds(cidr).first)}/${cidr.prefix}` : undefined;

  const gateways = [
    ...v1.flatMap((d) => d.machine?.network?.interfaces ?? []).flatMap((i: any) => i?.routes ?? []).map((r: any) => r?.gateway),
    ...docs.filter((d) => d.kind === "LinkConfig").flatMap((d) => d.routes ?? []).map((r: any) => r?.gateway),
  ].filter((g): g is string => typeof g === "string");

  const vips = [
    ...v1.flatMap((d) => d.machine?.network?.interfaces ?? []).map((i: any) => i?.vip?.ip),
    ...docs.filter((d) => d.kind === "Layer2VIPConfig").map((d) => d.name),
  ].filter((v): v is string => typeof v === "string");

  const dnsLists = [
    ...v1.map((d) => d.machine?.network?.nameservers).filter(Array.isArray),
    ...docs.filter((d) => d.kind === "ResolverConfig").map((d) => (d.nameservers ?? []).map((n: any) => n?.address)),
  ] as string[][];
  const ntpLists = [
    ...v1.map((d) => d.machine?.time?.servers).filter(Array.isArray),
    ...docs.filter((d) => d.kind === "TimeSyncConfig").map((d) => d.ntp?.servers ?? []),
  ] as string[][];
  const first = <T>(xs: T[]) => (xs.length ? xs[0] : undefined);

  const pool = resources.find((r) => r.type === TYPES.lbPoolV2 || r.type === TYPES.lbPoolV2alpha1);
  const block = pool?.props?.spec?.blocks?.[0];
  const talosEndpoints = resources
    .filter((r) => r.type === TYPES.apply || r.type === TYPES.bootstrap || r.type === TYPES.kubeconfig)
    .map((r) => str(r.props?.endpoint))
    .filter((e): e is string => !!e);

  // an apply whose patches are still unknown leaves its facts undecided
  const patchesKnown = applies.every((a) => Array.isArray(a.props?.configPatches));
  return {
    nodes: vms.map(nodeFromVm),
    hosts: [...new Set(vms.map((v) => str(v.props?.nodeName)).filter((h): h is string => !!h))],
    subnet,
    gateway: first(gateways),
    dns: patchesKnown && applies.length ? first(dnsLists) ?? [] : undefined,
    ntp: patchesKnown && applies.length ? first(ntpLists) ?? [] : undefined,
    podCidr: str(first(v1.map((d) => d.cluster?.network?.podSubnets?.[0]).filter(Boolean))),
    serviceCidr: str(first(v1.map((d) => d.cluster?.network?.serviceSubnets?.[0]).filter(Boolean))),
    vip: first(vips),
    lbPool: block && str(block.start) && str(block.stop) ? { start: block.start, stop: block.stop } : undefined,
    dhcpRange: extra.dhcpRange,
    talosEndpoints: talosEndpoints.length ? [...new Set(talosEndpoints)] : undefined,
  };
}
