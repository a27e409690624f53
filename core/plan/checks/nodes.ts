// Checks of `nodes` beyond their shape: the Proxmox host each runs on, MAC addresses, and which nodes
// may be marked unreachable. Names, IPs and VM IDs used twice are the shared rules' (unique-node-identity).
import type { WellFormedConfig } from "../parse";
import type { Found } from "./check";

/** The Proxmox host of a node: its `host`, or the only host there is. */
export function hostOf(node: { host?: string }, hostNames: readonly string[]): string | undefined {
  return node.host ?? (hostNames.length === 1 ? hostNames[0] : undefined);
}

export function nodesOnDeclaredHosts(cfg: WellFormedConfig): Found[] {
  const hosts = cfg.proxmox?.hosts;
  // a host whose name is malformed could be the one a node names
  if (!hosts || hosts.some((h) => !h?.name)) return [];
  const names = hosts.map((h) => h?.name ?? "");
  return (cfg.nodes ?? []).flatMap((n, i) => {
    if (!n) return [];
    const host = hostOf(n, names);
    if (!host) return [{ at: `[${i}].host`, message: "no Proxmox host for this node", fix: `set \`host:\` to one of ${names.join(", ")}` }];
    if (names.includes(host)) return [];
    return [
      {
        at: `[${i}].host`,
        message: `Proxmox host "${host}" is not declared`,
        fix: `use one of ${names.join(", ")}, or add it under \`proxmox.hosts\``,
      },
    ];
  });
}

export function macsUnique(cfg: WellFormedConfig): Found[] {
  const seen = new Map<string, number>();
  return (cfg.nodes ?? []).flatMap((n, i) => {
    if (!n?.mac) return [];
    const first = seen.get(n.mac.toLowerCase());
    if (first === undefined) seen.set(n.mac.toLowerCase(), i);
    return first === undefined
      ? []
      : [
          {
            at: `[${i}].mac`,
            message: `MAC ${n.mac} is also used by nodes[${first}]`,
            fix: "give every node its own MAC, or leave `mac` out",
          },
        ];
  });
}

/** The first octet's lowest bit set: a group (multicast) address, which no NIC may use as its own. */
export function macsUnicast(cfg: WellFormedConfig): Found[] {
  return (cfg.nodes ?? []).flatMap((n, i) =>
    n?.mac && Number.parseInt(n.mac.slice(0, 2), 16) & 1
      ? [
          {
            at: `[${i}].mac`,
            message: `${n.mac} is a multicast address`,
            fix: "use a unicast MAC, e.g. BC:24:11:xx:xx:xx (Proxmox's prefix), or leave `mac` out",
          },
        ]
      : [],
  );
}

/** etcd removes a dead member only while the others still form a quorum. */
export function unreachableKeepQuorum(cfg: WellFormedConfig): Found[] {
  const nodes = cfg.nodes ?? [];
  // a control plane whose role or mark is unknown could change the count either way
  if (nodes.some((n) => !n?.role || n.unreachable === undefined)) return [];
  const controlPlanes = nodes.flatMap((n, i) => (n?.role === "controlplane" ? [{ i, name: n.name, unreachable: n.unreachable }] : []));
  const dead = controlPlanes.filter((n) => n.unreachable);
  if (dead.length === 0 || controlPlanes.length - dead.length > Math.floor(controlPlanes.length / 2)) return [];
  return [
    {
      at: `[${dead[dead.length - 1].i}].unreachable`,
      message: `${dead.map((n) => n.name).join(", ")} of ${controlPlanes.length} control planes are marked unreachable: the rest cannot form an etcd quorum, so no member can be removed`,
      fix: "mark only the dead control planes and keep a majority running; with quorum already lost, recover etcd from a snapshot first (docs/day2.md: etcd snapshots and restore)",
    },
  ];
}
