// Starts the Talos machine-API stand-in (tests/standins/talos-api) for a plan's nodes.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { locateTalosctl } from "../../core/day2/find-talosctl";
import type { Plan } from "../../core/plan/types";
import { PROJECT_DIR } from "./stacks";

/**
 * the talosctl the steps use, by the project's rule (core/day2/find-talosctl.ts), with
 * HOMELAB_TEST_TALOSCTL in the place of $TALOSCTL (to run a tier with another release, e.g.
 * .toolchain/bin/talosctl-1.13); one from the PATH as its absolute file, since tests hand it to
 * processes with another PATH
 */
export function talosctlPath(): string {
  const override = process.env.HOMELAB_TEST_TALOSCTL;
  const found = locateTalosctl(PROJECT_DIR, { TALOSCTL: override && path.resolve(PROJECT_DIR, override) });
  return found.includes("/") ? found : execFileSync("sh", ["-c", `command -v ${found}`], { encoding: "utf8" }).trim();
}

const STANDIN = path.join(PROJECT_DIR, ".toolchain", "bin", "talos-api-standin");

/** Builds talosctl and the stand-in if needed (both cached, hash-stamped). */
export function buildDay2Tools(): void {
  for (const script of ["build-talos-api-standin.sh", "build-talosctl.sh"]) {
    execFileSync("bash", [path.join(PROJECT_DIR, "tools", "toolchain", script)], { stdio: "inherit" });
  }
}

export interface Standin {
  dir: string;
  talosconfig: string;
  kubeconfig: string;
  events: () => { t: number; node: string; role: string; event: string; detail: string }[];
  stop: () => void;
  proc: ChildProcess;
}

/**
 * The stand-in's address of a node: its plan address moved to loopback, keeping the last octet
 * (192.168.0.12 -> 127.0.0.12). The plan keeps its real addresses (the plan refuses loopback subnets);
 * the harness translates the addresses in the steps' environment, like a NAT in front of the nodes.
 */
export const toLoopback = (ip: string) => ip.replace(/^\d+\.\d+\.\d+\.(\d+)$/, "127.0.0.$1");
export const translateAddresses = (text: string) => text.replace(/\b\d+\.\d+\.\d+\.(\d+)\b/g, "127.0.0.$1");

/** graceMs: how long a Node stays Ready after its kubelet stopped (Kubernetes' node-monitor grace period) */
export async function startStandin(
  plan: Plan,
  opts: { version: string; rebootMs: number; readyMs: number; graceMs?: number },
): Promise<Standin> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "talos-standin-"));
  const nodes = plan.nodes.map((n) => `${n.name}=${toLoopback(n.ip)}:${n.role}`).join(",");
  const proc = spawn(
    STANDIN,
    [
      "-dir",
      dir,
      "-nodes",
      nodes,
      "-version",
      opts.version,
      "-reboot",
      `${opts.rebootMs}ms`,
      "-ready",
      `${opts.readyMs}ms`,
      "-grace",
      `${opts.graceMs ?? 0}ms`,
      "-kubernetes",
      plan.kubernetesVersion,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((res, rej) => {
    proc.stdout!.on("data", (d) => {
      if (String(d).includes("READY")) res();
    });
    proc.on("exit", (code) => rej(new Error(`stand-in exited with ${code}`)));
  });
  return {
    dir,
    proc,
    talosconfig: fs.readFileSync(path.join(dir, "talosconfig"), "utf8"),
    kubeconfig: fs.readFileSync(path.join(dir, "kubeconfig"), "utf8"),
    events: () =>
      fs
        .readFileSync(path.join(dir, "events.jsonl"), "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    stop: () => {
      proc.kill("SIGTERM");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
