// The facts every rule judges. The program and the preflight command derive them from the plan;
// the policy pack derives them from the resources the program emits. A field left undefined is
// unknown (a preview value not computed yet): rules then say they cannot decide instead of guessing.
export type Role = "controlplane" | "worker";

export interface NodeFacts {
  name?: string;
  role?: Role;
  ip?: string;
  host?: string;
  vmId?: number;
  cpu?: number;
  memoryGiB?: number;
  osDiskGB?: number;
  /**
   * Sizes of the disks besides the OS disk, in slot order: raw disks for Ceph OSDs. Undefined when not
   * known (an entry undefined: that disk's size is not known yet).
   */
  dataDisksGB?: Array<number | undefined>;
  /** where this node came from, for messages: a config key such as `nodes[2]`, or a resource name */
  ref: string;
}

export interface ClusterFacts {
  nodes: NodeFacts[];
  /** Proxmox hosts the stack declares (undefined when unknown) */
  hosts?: string[];
  subnet?: string;
  gateway?: string;
  dns?: string[];
  ntp?: string[];
  podCidr?: string;
  serviceCidr?: string;
  vip?: string;
  lbPool?: { start: string; stop: string };
  dhcpRange?: { start: string; stop: string };
  talosEndpoints?: string[];
  /**
   * Facts that exist but are not known yet (a preview before the resources exist). Undefined and not
   * listed here means absent (e.g. no VIP in kubeprism mode); listed means a rule needing it waits.
   */
  unknown?: FactName[];
}

export type FactName = "subnet" | "gateway" | "dns" | "ntp" | "podCidr" | "serviceCidr" | "vip" | "lbPool" | "talosEndpoints" | "hosts";

export type Severity = "mandatory" | "advisory";

export interface Finding {
  /** rule name, shared with the policy pack's policy names */
  rule: string;
  severity: Severity;
  /** the config key to change, e.g. `homelab:network.vip` */
  key: string;
  message: string;
  fix: string;
  /** true when the rule could not decide because an input is still unknown */
  undecided?: boolean;
}

/** A finding that says a rule has to wait for a value the engine does not know yet. */
export function undecidedFinding(rule: string, key: string, what: string): Finding {
  return {
    rule,
    severity: "advisory",
    key,
    undecided: true,
    message: `cannot decide yet: ${what} is not known until the resources exist`,
    fix: "run the check again after `pulumi up`, or with known values",
  };
}

/** The listed facts that are still unknown. */
export function unknownOf(facts: ClusterFacts, names: FactName[]): FactName[] {
  return names.filter((n) => facts.unknown?.includes(n));
}

/** How messages name a node: `nodes[6] (talos-wrk-04)`, or the resource-derived ref alone. */
export function nodeLabel(n: Pick<NodeFacts, "ref" | "name">): string {
  return n.name && !n.ref.includes(n.name) ? `${n.ref} (${n.name})` : n.ref;
}
