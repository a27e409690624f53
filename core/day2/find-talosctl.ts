// Which talosctl the project uses: the one home of that rule. The day-2 runner, the node-removal
// script, the program's and the preflight's checks and the tests' helpers all take it from here.
// The only part of core/day2 that touches the machine (it looks at files and runs the candidate).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The project's own build (tools/toolchain/build-talosctl.sh), relative to the project folder. */
export const BUILT_TALOSCTL = path.join(".toolchain", "bin", "talosctl");

/** Where talosctl is looked for, in this order: $TALOSCTL, the project's build, the PATH. */
export function talosctlCandidates(projectDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.TALOSCTL, path.join(projectDir, BUILT_TALOSCTL), "talosctl"].filter((c): c is string => !!c);
}

/**
 * The talosctl a day-2 step runs, without running anything: the first candidate that is there
 * ($TALOSCTL as given, the project's build when the file exists, else `talosctl` from the PATH).
 */
export function locateTalosctl(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const isThere = (c: string) => c === env.TALOSCTL || !c.includes("/") || fs.existsSync(c);
  return talosctlCandidates(projectDir, env).find(isThere) ?? "talosctl";
}

/**
 * The same rule in sh, for scripts that run from the project folder (the node-removal step): sets
 * TALOSCTL unless it is set.
 */
export const TALOSCTL_SHELL_LOOKUP = `if [ -z "\${TALOSCTL:-}" ]; then
  if [ -x ${BUILT_TALOSCTL} ]; then TALOSCTL=${BUILT_TALOSCTL}; else TALOSCTL=talosctl; fi
fi`;

/**
 * The talosctl the day-2 steps would use and its version, for the program's and the preflight's
 * checks: the first candidate that runs (`talosctl version --client`).
 */
export function findTalosctl(projectDir: string, env: NodeJS.ProcessEnv = process.env): { path?: string; version?: string } {
  for (const c of talosctlCandidates(projectDir, env)) {
    try {
      const out = execFileSync(c, ["version", "--client"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
      return { path: c, version: /Tag:\s*(\S+)/.exec(out)?.[1] };
    } catch {
      // not there or not runnable: try the next
    }
  }
  return {};
}
