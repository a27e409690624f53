// Starts the Talos machine-API stand-in (tests/standins/talos-api) for a plan's nodes.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Plan } from "../../core/plan/types";
import { PROJECT_DIR } from "./stacks";

const BUILT_TALOSCTL = path.join(PROJECT_DIR, ".toolchain", "bin", "talosctl");
/** the talosctl the steps use: the one setup built, else the one on PATH */
export function talosctlPath(): string {
  if (fs.existsSync(BUILT_TALOSCTL)) return BUILT_TALOSCTL;
  return execFileSync("sh", ["-c", "command -v talosctl"], { encoding: "utf8" }).trim();
}
const STANDIN = path.join(PROJECT_DIR, ".toolchain", "bin", "talos-api-standin");

/** Builds talosctl and the stand-in if needed (both cached, hash-stamped). */
export function buildDay2Tools(): void {
  for (const script of ["build-talos-api-standin.sh", "build-talosctl.sh"]) {
    execFileSync("bash", [path.join(PROJECT_DIR, "tools", "toolchain", script)], { stdio: "inherit" });
  }
}

export interface Standin { dir: string; talosconfig: string; kubeconfig: string; events: () => { t: number; node: string; role: string; event: string; detail: string }[]; stop: () => void; proc: ChildProcess }

/** Loopback copy of the homelab addresses: 127.0.0.0/24 with nodes at 127.0.0.11.. */
export function loopback(c: Record<string, any>): void {
  c.network = { ...c.network, subnet: "127.0.0.0/24", gateway: "127.0.0.1", dhcpRange: { start: "127.0.0.100", stop: "127.0.0.199" } };
  if (c.endpoint.mode === "vip") c.endpoint = { mode: "vip", vip: "127.0.0.200" };
  c.lbPool = { start: "127.0.0.201", stop: "127.0.0.210" };
  c.nodes.forEach((n: { ip: string }, i: number) => { n.ip = `127.0.0.${11 + i}`; });
}

export async function startStandin(plan: Plan, opts: { version: string; rebootMs: number; readyMs: number }): Promise<Standin> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "talos-standin-"));
  const nodes = plan.nodes.map((n) => `${n.name}=${n.ip}:${n.role}`).join(",");
  const proc = spawn(STANDIN, ["-dir", dir, "-nodes", nodes, "-version", opts.version, "-reboot", `${opts.rebootMs}ms`, "-ready", `${opts.readyMs}ms`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    proc.stdout!.on("data", (d) => { if (String(d).includes("READY")) res(); });
    proc.on("exit", (code) => rej(new Error(`stand-in exited with ${code}`)));
  });
  return {
    dir, proc,
    talosconfig: fs.readFileSync(path.join(dir, "talosconfig"), "utf8"),
    kubeconfig: fs.readFileSync(path.join(dir, "kubeconfig"), "utf8"),
    events: () => fs.readFileSync(path.join(dir, "events.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    stop: () => { proc.kill("SIGTERM"); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
