// The talosctl invocations of the day-2 steps and the parsing of their output. Pure, so the argument
// lists are unit-tested here and run for real against the Talos API stand-in (tests/standins/talos-api).
// Every call names its node as both endpoint and target: the talosconfig carries only credentials, and
// a rolling upgrade must never be routed through a node that is rebooting (or the VIP).

export const talosctlArgs = {
  version: (ip: string) => ["-e", ip, "-n", ip, "version"],
  /** --wait=false: one Upgrade call; the runner then watches the node itself (reboot, version, Ready) */
  upgrade: (ip: string, image: string) => ["-e", ip, "-n", ip, "upgrade", "--image", image, "--wait=false"],
  etcdSnapshot: (ip: string, file: string) => ["-e", ip, "-n", ip, "etcd", "snapshot", file],
  etcdMembers: (ip: string) => ["-e", ip, "-n", ip, "etcd", "members"],
  etcdStatus: (ip: string) => ["-e", ip, "-n", ip, "etcd", "status"],
  upgradeK8s: (ip: string, to: string) => ["-e", ip, "-n", ip, "upgrade-k8s", "--to", to.replace(/^v/, "")],
};

/** The server's Talos tag from `talosctl version` (the block after "Server:"). */
export function serverTag(output: string): string | undefined {
  const server = output.split(/^Server:\s*$/m)[1];
  return server ? /^\s*Tag:\s*(\S+)/m.exec(server)?.[1] : undefined;
}

/** Member hostnames from `talosctl etcd members` (a table: NODE ID HOSTNAME PEER URLS ...). */
export function etcdMemberNames(output: string): string[] {
  const lines = output.trim().split("\n").filter((l) => l.trim());
  const header = lines.shift()?.trim().split(/\s{2,}|\t+/) ?? [];
  const col = header.indexOf("HOSTNAME");
  if (col < 0) return [];
  return lines.map((l) => l.trim().split(/\s{2,}|\t+/)[col]).filter((h): h is string => !!h);
}

/** `talosctl etcd status` succeeded and reports no member errors (ERRORS column empty). */
export function etcdStatusHealthy(output: string): boolean {
  const lines = output.trim().split("\n").filter((l) => l.trim());
  const header = lines.shift()?.trim().split(/\s{2,}|\t+/) ?? [];
  const col = header.indexOf("ERRORS");
  if (col < 0 || lines.length === 0) return false;
  return lines.every((l) => { const cells = l.trim().split(/\s{2,}|\t+/); return cells.length <= col || cells[col] === "" || cells[col] === "<none>"; });
}

/** What a step records in its stdout, read back on the next run (PULUMI_COMMAND_STDOUT). */
export const STDOUT_MARK = { installed: "homelab-installed-image:", kubernetes: "homelab-kubernetes:" } as const;

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
