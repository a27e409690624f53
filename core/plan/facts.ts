// The facts the shared rules (core/rules) judge: from the assembled plan, or, while some values are
// malformed, from the well-formed parts. A value the stack file sets but that did not parse is
// unknown, as in a preview: the rules that need it wait, the others still decide.
import type { ClusterFacts, FactName, NodeFacts } from "../rules/facts";
import { osDiskDefaultGB, type PlanDraft } from "./assemble";
import { hostOf } from "./checks/nodes";
import type { WellFormedConfig } from "./parse";

export function planFacts(plan: PlanDraft): ClusterFacts {
  return {
    nodes: plan.nodes.map((n) => ({
      ...{ name: n.name, role: n.role, ip: n.ip, host: n.host, vmId: n.vmId },
      ...{ cpu: n.cpu, memoryGiB: n.memoryGiB, osDiskGB: n.osDiskGB, dataDisksGB: n.dataDisksGB, ref: n.ref },
    })),
    hosts: plan.proxmox.hosts.map((h) => h.name),
    ...{ subnet: plan.network.subnet, gateway: plan.network.gateway, dns: plan.network.dns, ntp: plan.network.ntp },
    ...{ podCidr: plan.network.podCidr, serviceCidr: plan.network.serviceCidr, dhcpRange: plan.network.dhcpRange },
    vip: plan.endpoint.vip,
    lbPool: plan.lbPool,
    talosEndpoints: plan.talosEndpoints,
  };
}

type Section = Record<string, unknown> | undefined;
const section = (config: Record<string, unknown>, key: string) => config[key] as Section;
const complete = <T>(list: Array<T | undefined> | undefined): T[] | undefined =>
  list?.every((v) => v !== undefined) ? (list as T[]) : undefined;
const range = (r: { start?: string; stop?: string } | undefined) => (r?.start && r.stop ? { start: r.start, stop: r.stop } : undefined);

/** Facts of the well-formed parts of a config that does not parse as a whole; `config` is the raw input. */
export function wellFormedFacts(cfg: WellFormedConfig, config: Record<string, unknown>): ClusterFacts {
  const network = cfg.network;
  const hosts = complete(cfg.proxmox?.hosts?.map((h) => h?.name));
  const nodes = wellFormedNodes(cfg, config, hosts);
  const controlPlanes = nodes.every((n) => n.role && n.unreachable !== undefined)
    ? nodes.filter((n) => n.role === "controlplane")
    : undefined;
  const facts: ClusterFacts = {
    nodes: nodes.map(({ unreachable: _, ...n }) => n),
    hosts,
    ...{ subnet: network?.subnet, gateway: network?.gateway, dns: complete(network?.dns), ntp: complete(network?.ntp) },
    ...{ podCidr: network?.podCidr, serviceCidr: network?.serviceCidr, dhcpRange: range(network?.dhcpRange) },
    vip: cfg.endpoint?.mode === "vip" ? cfg.endpoint.vip : undefined,
    lbPool: range(cfg.lbPool),
    talosEndpoints: controlPlanes?.every((n) => n.ip) ? controlPlanes.filter((n) => !n.unreachable).map((n) => n.ip as string) : undefined,
  };
  return { ...facts, unknown: unknownFacts(facts, cfg, config) };
}

/** Every entry of `nodes`, each field undefined where it is malformed (unknown to the rules). */
function wellFormedNodes(cfg: WellFormedConfig, config: Record<string, unknown>, hosts: string[] | undefined) {
  const given = Array.isArray(config.nodes) ? (config.nodes as Section[]) : [];
  // `nodes` missing, empty or not a list is the schema's problem: one node of unknown role and size
  // stands in, so that no rule counts or sizes nodes that are not there
  if (!cfg.nodes?.length) return [{ ref: "nodes" }];
  return (cfg.nodes ?? []).map((n, i): NodeFacts & { unreachable?: boolean } => {
    const osDiskGiven = given[i]?.osDiskGB !== undefined;
    return {
      ...{ ref: `nodes[${i}]`, name: n?.name, role: n?.role, ip: n?.ip, vmId: n?.vmId, cpu: n?.cpu, memoryGiB: n?.memoryGiB },
      host: n && hosts ? hostOf(n, hosts) : undefined,
      osDiskGB: n?.osDiskGB ?? (n?.role && !osDiskGiven ? osDiskDefaultGB(n.role) : undefined),
      dataDisksGB: n?.dataDisksGB,
      unreachable: n?.unreachable,
    };
  });
}

/** The facts the stack file sets but that are malformed. */
function unknownFacts(facts: ClusterFacts, cfg: WellFormedConfig, config: Record<string, unknown>): FactName[] {
  const network = section(config, "network");
  const set: Record<FactName, boolean> = {
    subnet: network?.subnet !== undefined,
    gateway: network?.gateway !== undefined,
    dns: network?.dns !== undefined,
    ntp: network?.ntp !== undefined,
    podCidr: network?.podCidr !== undefined,
    serviceCidr: network?.serviceCidr !== undefined,
    // a VIP counts in mode vip only; with the mode malformed, it may
    vip: section(config, "endpoint")?.vip !== undefined && (cfg.endpoint?.mode ?? "vip") === "vip",
    lbPool: config.lbPool !== undefined,
    hosts: section(config, "proxmox")?.hosts !== undefined,
    talosEndpoints: config.nodes !== undefined,
  };
  return (Object.keys(set) as FactName[]).filter((name) => set[name] && facts[name] === undefined);
}
