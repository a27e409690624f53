// Benchmark (issue 15): `pulumi up` of the homelab plan under the real engine against the lifecycle
// tier's stand-ins, as tests/lifecycle/talos-cluster-program.test.ts runs it (the project's real
// components/TalosCluster through CLUSTER_PROGRAM, the real Proxmox VE provider against the Proxmox VE
// API simulator and its Image Factory stand-in, the Talos provider and command provider stand-ins, the
// Talos API stand-in, the real talosctl), all seven homelab nodes with their data disks:
//   - fresh: the first `up` of a new stack (VMs created, configs applied in maintenance mode, bootstrap,
//     health, the day-2 steps created);
//   - no change: the `up` right after, with `deployed` read back as index.ts reads it;
// each against the engine floor: a program that instantiates the same three providers (so the engine
// loads, checks and configures the same plugins) and nothing else, in the same namespace, its fresh
// `up` and its no-change `up`. Every repetition has its own namespace, stand-ins and stacks.
//   bash tools/with-node.sh node --import tsx bench/lifecycle-up.ts [runs=3] [--modes=project,ts-node]
// Ways of starting the program, each measured with its own floor:
//   - project (the default): as the project starts index.ts and as LifecycleProject starts the tier's
//     programs (Pulumi.yaml's runtime, package.json's "main" tools/program-entry.cjs: esbuild, transpile
//     only);
//   - ts-node: the SDK's ts-node, which type-checks the program and everything it imports at every
//     start (how the tier started its programs before; for comparison).
// Figures: wall time and CPU time (user+sys) of the `pulumi` process tree (the CLI, the language host,
// the program, the plugins, the commands the steps ran: every process the CLI started and waited for,
// read from this process's children times), median of `runs`, and each as a ratio to the floor's; the
// CPU time of the Node processes among them by role (the program; the day-2 runner
// tools/day2/talos-day2.ts), from a preload that reports process.cpuUsage() at exit. The stand-ins' own
// CPU (Talos API stand-in, Proxmox VE simulator) is not in it. Wall time includes the stand-ins'
// simulated reboots (300 ms) and Ready delays (100 ms); compare CPU time on a busy machine.
import { execFileSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveContract } from "../core/deployed/contract";
import { type DeployedState, parseDeployedState } from "../core/deployed/state";
import type { Plan } from "../core/plan/types";
import {
  buildLifecycleTools,
  CLUSTER_PROGRAM,
  LifecycleProject,
  Netns,
  proxmoxPlugin,
  readJournal,
  startTalos,
  talosctlWrapper,
} from "../tests/lifecycle/harness";
import { stackPlan } from "../tests/helpers/stacks";
import { tempDir } from "../tests/helpers/tmp";
import { nodesOf, startPveApi } from "../tests/standins/pve-api/process";

const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args.find((a) => /^\d+$/.test(a)) ?? 3));
type Mode = "project" | "ts-node";
const MODES = (args
  .find((a) => a.startsWith("--modes="))
  ?.slice("--modes=".length)
  .split(",") ?? ["project"]) as Mode[];
for (const m of MODES) if (m !== "project" && m !== "ts-node") throw new Error(`unknown mode ${m} (project, ts-node)`);
const TOKEN = "root@pam!bench=6f1c2a4e-0000-4000-8000-0000000be4c1";
const ENDPOINT = "https://192.168.0.250:8006/";
const FACTORY = "http://192.168.0.251:8080";

/** homelab as it is (3 control planes, 4 workers with their Ceph data disks), on the simulator's addresses */
const PLAN: Plan = stackPlan("homelab", (c) => {
  c.clusterName = "bench";
  c.proxmox = { ...c.proxmox, endpoint: ENDPOINT };
  c.image = { ...c.image, factoryUrl: FACTORY };
  c.upgrade = { ...c.upgrade, snapshotDir: ".etcd-snapshots" };
});

/** the engine floor: the program's three providers, instantiated and configured, no other resource */
const FLOOR_PROGRAM = `// bench/lifecycle-up.ts: the engine floor (the same plugins, no resources besides the providers)
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as command from "@pulumi/command";
import * as talos from "@pulumiverse/talos";
new proxmox.Provider("proxmox", { endpoint: ${JSON.stringify(ENDPOINT)}, insecure: true });
new talos.Provider("talos");
new command.Provider("command");
`;

const CLOCK_TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
/** user+sys seconds of this process's waited-for children (fields 16 and 17 of /proc/self/stat) */
function childrenCpu(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICK;
}

/** preloaded into every Node process of a run (NODE_OPTIONS): its CPU seconds at exit, by role */
const NODE_CPU_PRELOAD = `"use strict";
const script = process.argv[1] || "";
const role = /[\\\\/]cmd[\\\\/]run[\\\\/]index\\.js$/.test(script) ? "program" : /talos-day2\\.ts$/.test(script) ? "runner" : "other";
process.on("exit", () => {
  const u = process.cpuUsage();
  require("node:fs").appendFileSync(process.env.BENCH_NODE_CPU, JSON.stringify({ role, s: (u.user + u.system) / 1e6 }) + "\\n");
});
`;

interface Sample {
  wall: number;
  cpu: number;
  /** CPU seconds of the program's Node process, and of the day-2 runner's processes together */
  program: number;
  runner: number;
}
function timed(label: string, nodeCpuFile: string, run: () => SpawnSyncReturns<string>): Sample {
  fs.writeFileSync(nodeCpuFile, "");
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const r = run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = childrenCpu() - cpu0;
  if (r.status !== 0) throw new Error(`${label}: pulumi up failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const reports: { role: string; s: number }[] = readJournal(nodeCpuFile) as never;
  const sum = (role: string) => reports.filter((x) => x.role === role).reduce((a, x) => a + x.s, 0);
  return { wall, cpu, program: sum("program"), runner: sum("runner") };
}

/** The SDK's ts-node instead of the project's entry: Pulumi.yaml `typescript: true`, package.json "main" index.ts. */
function useTsNode(project: LifecycleProject): void {
  fs.writeFileSync(
    path.join(project.dir, "Pulumi.yaml"),
    "name: day2-lifecycle\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
  );
  const pkgFile = path.join(project.dir, "package.json");
  fs.writeFileSync(pkgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkgFile, "utf8")), main: "index.ts" }, null, 2));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Repetition {
  floorFresh: Sample;
  floorSame: Sample;
  fresh: Sample;
  same: Sample;
}

/** One repetition: a new namespace, new stand-ins, new stacks. */
async function repetition(k: number, mode: Mode): Promise<Repetition> {
  const work = tempDir("bench-lifecycle-up");
  const commandJournal = path.join(work, "command.jsonl");
  const nodeCpu = path.join(work, "node-cpu.jsonl");
  fs.writeFileSync(path.join(work, "node-cpu.cjs"), NODE_CPU_PRELOAD);
  const ns = await Netns.start([...new Set([...PLAN.nodes.map((n) => n.ip), new URL(ENDPOINT).hostname, new URL(FACTORY).hostname])]);
  const stops: (() => void)[] = [() => ns.stop()];
  try {
    const talos = await startTalos(ns, PLAN, { version: PLAN.talosVersion, rebootMs: 300, readyMs: 100, maintenance: true });
    stops.unshift(() => talos.stop());
    const pve = await startPveApi(ns.enter, { endpoint: ENDPOINT, factoryUrl: FACTORY, token: TOKEN, nodes: nodesOf(PLAN) });
    stops.unshift(() => pve.stop());
    const talosctl = talosctlWrapper(work, talos.dir);
    // the same settings as tests/lifecycle/talos-cluster-program.test.ts
    const env = {
      PROXMOX_VE_API_TOKEN: TOKEN,
      TALOS_PROVIDER_STANDIN_JOURNAL: path.join(work, "talos-provider.jsonl"),
      TALOS_PROVIDER_STANDIN_MAX_WAIT: "20s",
      TALOS_PROVIDER_STANDIN_RETRY: "200ms",
      COMMAND_STANDIN_JOURNAL: commandJournal,
      TALOSCTL: talosctl.path,
      POLL_INTERVAL_MS: "150",
      REBOOT_TIMEOUT_S: "120",
      GATE_SETTLE_S: "1",
      NODE_OPTIONS: `--require ${path.join(work, "node-cpu.cjs")}`,
      BENCH_NODE_CPU: nodeCpu,
    };

    const floor = LifecycleProject.create(ns, "floor", env, { program: FLOOR_PROGRAM, proxmox: true, talos: true });
    if (mode === "ts-node") useTsNode(floor);
    const floorFresh = timed("floor, fresh", nodeCpu, () => floor.up());
    const floorSame = timed("floor, no change", nodeCpu, () => floor.up());

    const project = LifecycleProject.create(ns, "bench", env, { program: CLUSTER_PROGRAM, proxmox: true, talos: true });
    if (mode === "ts-node") useTsNode(project);
    const runWith = (deployed: DeployedState | undefined) => {
      project.setInputs({ plan: resolveContract(PLAN, deployed), deployed } as never);
      return project.up();
    };
    const fresh = timed("program, fresh", nodeCpu, () => runWith(undefined));
    // what the fresh up did, so a figure is never of a run that did less
    const vms = Object.values(pve.state().vms);
    if (vms.length !== PLAN.nodes.length || vms.some((v) => v.status !== "running"))
      throw new Error(`fresh up: ${vms.length} VMs, not all running`);
    if (!talos.events().some((e) => e.event === "bootstrap")) throw new Error("fresh up: no bootstrap");
    const commandsAfterFresh = readJournal(commandJournal).length;
    const pveAfterFresh = pve.requests().length;

    const outputs = JSON.parse(project.must(["stack", "output", "--json", "--show-secrets"]));
    const deployed = parseDeployedState(outputs.deployed);
    if (!deployed) throw new Error("the fresh up gave no `deployed` output");
    const same = timed("program, no change", nodeCpu, () => runWith(deployed));
    const changed = pve
      .requests()
      .slice(pveAfterFresh)
      .filter((r) => r.method !== "GET");
    const ran = readJournal(commandJournal).slice(commandsAfterFresh);
    if (changed.length > 0 || ran.length > 0) throw new Error(`the no-change up changed something: ${JSON.stringify({ changed, ran })}`);

    const r = { floorFresh, floorSame, fresh, same };
    const f = (s: Sample) => `${s.wall.toFixed(1)} s (cpu ${s.cpu.toFixed(1)} s)`;
    console.log(
      `${mode} run ${k}: floor fresh ${f(floorFresh)}, floor no change ${f(floorSame)}; program fresh ${f(fresh)}, no change ${f(same)}; load ${os.loadavg()[0].toFixed(2)}`,
    );
    return r;
  } finally {
    for (const stop of stops) stop();
  }
}

async function main() {
  buildLifecycleTools();
  proxmoxPlugin();
  const load0 = os.loadavg();
  const reps = new Map<Mode, Repetition[]>(MODES.map((m) => [m, []]));
  // the modes alternate, so a change of load falls on both
  for (let k = 1; k <= RUNS; k++) for (const m of MODES) reps.get(m)!.push(await repetition(k, m));
  const load1 = os.loadavg();
  console.log(
    `\nhomelab (${PLAN.controlPlanes.length} control planes, ${PLAN.workers.length} workers), median of ${RUNS}; load average ${load0.map((x) => x.toFixed(2)).join(" ")} at the start, ${load1.map((x) => x.toFixed(2)).join(" ")} at the end (${os.cpus().length} cores)`,
  );
  for (const m of MODES) {
    const med = (key: keyof Repetition, what: keyof Sample) => median(reps.get(m)!.map((r) => r[key][what]));
    console.log(
      `\n${m === "project" ? "the project's entry (tools/program-entry.cjs), as LifecycleProject and the project start the program" : "the SDK's ts-node (type-checked at every start)"}`,
    );
    console.log(
      `${"".padEnd(18)} ${"wall".padStart(8)} ${"ratio".padStart(6)} ${"cpu".padStart(8)} ${"ratio".padStart(6)} ${"program".padStart(8)} ${"runner".padStart(8)} ${"rest".padStart(8)}`,
    );
    for (const [label, key, floorKey] of [
      ["fresh up", "fresh", "floorFresh"],
      ["no-change up", "same", "floorSame"],
    ] as const) {
      const row = (name: string, k: keyof Repetition, ratio: boolean) => {
        const x = (v: number) => `${v.toFixed(2)} s`.padStart(8);
        const r = (what: keyof Sample) => (ratio ? `${(med(k, what) / med(floorKey, what)).toFixed(2)}x` : "").padStart(6);
        return `${name.padEnd(18)} ${x(med(k, "wall"))} ${r("wall")} ${x(med(k, "cpu"))} ${r("cpu")} ${x(med(k, "program"))} ${x(med(k, "runner"))} ${x(med(k, "cpu") - med(k, "program") - med(k, "runner"))}`;
      };
      console.log(row(`floor, ${label}`, floorKey, false));
      console.log(row(label, key, true));
    }
  }
  console.log("\nrest: the CLI, the language host, the plugins, talosctl and the shells (CPU of the tree minus the Node processes named)");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
