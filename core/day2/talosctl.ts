// The talosctl invocations of the day-2 steps and the parsing of their output. Pure, so the argument
// lists are unit-tested here and run for real against the Talos API stand-in (tests/standins/talos-api).
// Every call names its node as both endpoint and target: the talosconfig carries only credentials, and
// a rolling upgrade must never be routed through a node that is rebooting (or the VIP).

export const talosctlArgs = {
  version: (ip: string) => ["-e", ip, "-n", ip, "version"],
  /**
   * One legacy MachineService.Upgrade call without waiting; the runner then watches the node itself
   * (reboot, version, Ready). The node pulls the installer, checks etcd (control planes), cordons and
   * drains itself in its upgrade sequence, and reboots. talosctl 1.13 (`lifecycle`: its upgrade has
   * --legacy and --drain) otherwise takes the LifecycleService path on 1.13 nodes and forces --wait
   * whenever --drain is on (talos v1.13.0 cmd/talosctl/cmd/talos/upgrade.go: `if upgradeCmdFlags.drain
   * { upgradeCmdFlags.wait = true }`, and --drain defaults to true), so it gets --legacy --drain=false
   * to keep the one call; talosctl 1.12 has neither flag.
   */
  upgrade: (ip: string, image: string, lifecycle = false) => [
    "-e",
    ip,
    "-n",
    ip,
    "upgrade",
    "--image",
    image,
    ...(lifecycle ? ["--legacy", "--drain=false"] : []),
    "--wait=false",
  ],
  etcdSnapshot: (ip: string, file: string) => ["-e", ip, "-n", ip, "etcd", "snapshot", file],
  etcdMembers: (ip: string) => ["-e", ip, "-n", ip, "etcd", "members"],
  etcdStatus: (ip: string) => ["-e", ip, "-n", ip, "etcd", "status"],
  /** by member ID (hex, as `etcd members` lists it): the member's node need not answer */
  etcdRemoveMember: (ip: string, memberId: string) => ["-e", ip, "-n", ip, "etcd", "remove-member", memberId],
  upgradeK8s: (ip: string, to: string) => ["-e", ip, "-n", ip, "upgrade-k8s", "--to", to.replace(/^v/, "")],
};

/** talosctl's `upgrade --help` shows the 1.13 flags (LifecycleService upgrade, client-side drain). */
export function upgradeHasLifecycleFlags(help: string): boolean {
  return /--legacy\b/.test(help) && /--drain\b/.test(help);
}

/**
 * Talos's own reasons in talosctl's output: the "desc = ..." of each gRPC status it printed (talosctl
 * wraps them as "error performing upgrade: 1 error occurred:\n\t* <node>: rpc error: code = Unknown
 * desc = <message>"). Empty when there is none.
 */
export function talosReasons(output: string): string[] {
  return [...output.matchAll(/rpc error: code = \w+ desc = (.*)$/gm)].map((m) => m[1].trim());
}

/**
 * Did the node accept the upgrade, when talosctl exited 0? A refusal from the node travels inside
 * the reply: talosctl names its target in the "nodes" metadata, apid proxies one-to-many and puts the
 * error into the reply's metadata (talos internal/app/apid/pkg/backend/apid.go BuildError). With one
 * node that is the only message, and the client library drops the reply (pkg/machinery
 * client/reply.go: `if multiErr != nil && messagesField.Len() == 0 { resp = nil }`), so talosctl exits
 * non-zero ("error performing upgrade: ..."). Had the reply kept any message, talosctl would only
 * print the error and exit 0 (cmd/talosctl/cmd/talos/upgrade.go, v1.12.1 and v1.13.0 legacy path:
 * `cli.Warning("%s", err)`). So a zero exit counts as accepted only with a row for the node in
 * talosctl's NODE/ACK table and no warning carrying a node's error.
 */
export function upgradeRefusal(output: string): string | undefined {
  const lines = output.split("\n");
  // only a warning that carries a node's error counts: talosctl also warns of an older server
  // (helpers.ClientVersionCheck) and of --legacy being deprecated
  const warned = lines.some((l) => l.startsWith("WARNING: ") && /error occurred|rpc error/.test(l));
  const header = lines.findIndex((l) => /^NODE\s+ACK\s+STARTED/.test(l.trim()));
  const acked = header >= 0 && lines.slice(header + 1).some((l) => l.trim().split(/\s{2,}/).length >= 2);
  if (!warned && acked) return undefined;
  const reasons = talosReasons(output);
  return reasons.length ? reasons.join("; ") : `no acknowledgement from the node: ${output.trim() || "(no output)"}`;
}

/** The server's Talos tag from `talosctl version` (the block after "Server:"). */
export function serverTag(output: string): string | undefined {
  const server = output.split(/^Server:\s*$/m)[1];
  return server ? /^\s*Tag:\s*(\S+)/m.exec(server)?.[1] : undefined;
}

/**
 * A talosctl table (`etcd members`, `etcd status`): a header line, then a line a row, columns apart by
 * two or more spaces or a tab (talosctl writes them with text/tabwriter). Rows are keyed by the header;
 * an empty last cell (e.g. no ERRORS) is missing from its row.
 */
export function talosctlTable(output: string): { header: string[]; rows: Record<string, string>[] } {
  const cellsOf = (line: string) => line.trim().split(/\s{2,}|\t+/);
  const [head, ...lines] = output.split("\n").filter((l) => l.trim());
  const header = head ? cellsOf(head) : [];
  return { header, rows: lines.map((l) => Object.fromEntries(cellsOf(l).map((cell, i) => [header[i], cell]))) };
}

/** Member hostnames from `talosctl etcd members` (a table: NODE ID HOSTNAME PEER URLS ...). */
export function etcdMemberNames(output: string): string[] {
  return talosctlTable(output)
    .rows.map((r) => r.HOSTNAME)
    .filter((h): h is string => !!h);
}

/** Members from `talosctl etcd members`: ID, hostname and the address of their first peer URL (the node's own IP). */
export function etcdMemberAddresses(output: string): { id: string; name: string; ip: string }[] {
  return talosctlTable(output).rows.flatMap((r) => {
    const ip = /^https?:\/\/\[?([^\]/]+?)\]?:\d+/.exec(r["PEER URLS"]?.split(",")[0] ?? "")?.[1];
    return r.ID && r.HOSTNAME && ip ? [{ id: r.ID, name: r.HOSTNAME, ip }] : [];
  });
}

/** `talosctl etcd status` succeeded and reports no member errors (ERRORS column empty). */
export function etcdStatusHealthy(output: string): boolean {
  const { header, rows } = talosctlTable(output);
  if (!header.includes("ERRORS") || rows.length === 0) return false;
  return rows.every((r) => !r.ERRORS || r.ERRORS === "<none>");
}

/** What a step records in its stdout, read back on the next run (PULUMI_COMMAND_STDOUT). */
export const STDOUT_MARK = {
  installed: "homelab-installed-image:",
  kubernetes: "homelab-kubernetes:",
  controlPlanes: "homelab-control-planes:",
  configHash: "homelab-config-hash:",
} as const;

export function lastMark(stdout: string | undefined, mark: string): string | undefined {
  const hits = (stdout ?? "").split("\n").filter((l) => l.startsWith(mark));
  return hits.length ? hits[hits.length - 1].slice(mark.length).trim() : undefined;
}

/** Workers in batches of `size`, in plan order. */
export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
