// Which talosctl the day-2 steps use, for the program's and the preflight's checks. The only part of
// core/day2 that touches the machine: it runs the candidate to see that it works.
import { execFileSync } from "node:child_process";
import * as path from "node:path";

/** The talosctl the day-2 steps would use (in the order tools/day2/talos-day2.ts and the
 * node-removal script pick it: $TALOSCTL, the project's build, PATH) and its version. */
export function findTalosctl(projectDir: string, env = process.env): { path?: string; version?: string } {
  const candidates = [env.TALOSCTL, path.join(projectDir, ".toolchain", "bin", "talosctl"), "talosctl"].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      const out = execFileSync(c, ["version", "--client"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
      return { path: c, version: /Tag:\s*(\S+)/.exec(out)?.[1] };
    } catch {
      // not there or not runnable: try the next
    }
  }
  return {};
}
