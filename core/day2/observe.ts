// What the nodes run, read before anything changes (issue 16, item 4: drift). The stack records the
// versions of its last successful `up` (`deployed`), but a node can run another one since: rolled back
// by hand, or by Talos's A/B fallback after a boot that failed. Only what runs tells. Read-only, quick
// (every node at once, a few seconds at most), and never decisive when it cannot answer: a node that
// does not answer (down, or a preview from outside the network) counts as running what was deployed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serverTag, talosctlArgs } from "./talosctl";

/** Each node's running Talos version (`talosctl version`), for the nodes that answered. */
export async function observeTalosVersions(
  nodes: { name: string; ip: string }[],
  talosconfig: string,
  talosctl: string,
  timeoutMs = 4000,
): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-observe-"));
  const file = path.join(dir, "talosconfig");
  try {
    fs.writeFileSync(file, talosconfig, { mode: 0o600 });
    const answers = await Promise.all(
      nodes.map(
        (n) =>
          new Promise<[string, string | undefined]>((resolve) => {
            execFile(talosctl, ["--talosconfig", file, ...talosctlArgs.version(n.ip)], { timeout: timeoutMs }, (err, stdout) =>
              resolve([n.name, err ? undefined : serverTag(stdout)]),
            );
          }),
      ),
    );
    return Object.fromEntries(answers.filter((a): a is [string, string] => a[1] !== undefined));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Drift {
  name: string;
  runs: string;
  recorded: string;
}

/** Nodes that run another Talos version than the stack recorded for them (pure). */
export function talosDrift(
  deployed: { talosVersion?: string; nodes?: { name: string }[] } | undefined,
  observed: Record<string, string>,
): Drift[] {
  if (!deployed?.talosVersion) return [];
  const recorded = deployed.talosVersion;
  return (deployed.nodes ?? []).flatMap((n) =>
    observed[n.name] && observed[n.name] !== recorded ? [{ name: n.name, runs: observed[n.name], recorded }] : [],
  );
}

/** "v1.11.5" < "v1.12.1": the lowest version of the list (the one an upgrade must start from). */
export function lowestVersion(versions: string[]): string | undefined {
  const key = (v: string) => v.replace(/^v/, "").split(/[.-]/).slice(0, 3).map(Number);
  return [...versions].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  })[0];
}

export function driftAdvice(drift: Drift[], target: string): string | undefined {
  if (drift.length === 0) return undefined;
  return (
    `${drift.map((d) => `${d.name} runs Talos ${d.runs}, not ${d.recorded} as the last \`pulumi up\` recorded`).join("; ")}: ` +
    `this run takes ${drift.length === 1 ? "it" : "them"} to ${target} in the rolling order (their day-2 steps show as updates), and the upgrade path is judged from the lowest running version`
  );
}
