// Benchmark: a full `pulumi preview` of a fresh homelab stack (the real Proxmox VE provider, stand-ins
// for talos/kubernetes/command, the policy pack through policies/run-policy-pack) against the engine
// floor: an empty program that loads the same providers and the same pack, started the same way.
//   npx tsx bench/preview.ts [runs=5] [--before]
// For each, in a fresh copy of the project with its own TMPDIR and XDG_CACHE_HOME (so ts-node's and tools/ts-loader.cjs's caches
// start empty, as after a clone or on a CI runner): the first preview, then `runs` more; the median of
// those is the "median". Figures: wall time, CPU time of the whole process tree (user+sys, through
// /usr/bin/time when there is one; it counts every process the CLI started) and the CPU time of the
// program's and the pack's Node processes (bench/cpu-report.cjs). CPU time is the figure to compare on
// a busy machine; wall time only on an idle one.
// --before also measures the entry the project had before (the SDK's ts-node, which type-checks at
// every cold start, for the program and for the pack), side by side in the same run.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { engineTierProject, fullEngineMissing, PULUMI, removeProject } from "../tests/e2e/engine";

const args = process.argv.slice(2);
const before = args.includes("--before");
const runs = Math.max(1, Number(args.find((a) => /^\d+$/.test(a)) ?? 5));
const missing = fullEngineMissing();
if (missing.length > 0) {
  console.error(`bench: cannot run:\n- ${missing.join("\n- ")}`);
  process.exit(2);
}
const TOKEN = { PROXMOX_VE_API_TOKEN: "bench@pam!b=00000000-0000-0000-0000-000000000000" };
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const CPU_REPORT = path.join(__dirname, "cpu-report.cjs");

// Every provider the program uses, each with one resource so that the engine really starts and
// configures it (a provider object alone is not enough for the default providers), nothing else.
const FLOOR_PROGRAM = `import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as talos from "@pulumiverse/talos";
import * as command from "@pulumi/command";
const pve = new proxmox.Provider("proxmox", { endpoint: "https://pve.invalid:8006/" });
new proxmox.download.FileLegacy("image", { nodeName: "pve1", datastoreId: "local", contentType: "iso",
  fileName: "floor.img", url: "https://factory.talos.dev/floor.raw.gz", decompressionAlgorithm: "gz" }, { provider: pve });
new talos.machine.Secrets("secrets", { talosVersion: "v1.11.5" });
const cluster = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\\nkind: Config\\n" });
new k8s.apiextensions.CustomResource("pool", { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool",
  metadata: { name: "floor" }, spec: { blocks: [{ start: "192.168.0.201", stop: "192.168.0.210" }] } }, { provider: cluster });
new command.local.Command("noop", { create: "true" });
`;

type Entry = "esbuild" | "ts-node";
interface Sample {
  wall: number;
  cpu?: number;
  program?: number;
  pack?: number;
}
interface Result {
  first: Sample;
  median: Sample;
  runs: Sample[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const med = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined);

/** The project's entry as it was before tools/program-entry.cjs and policies/run-policy-pack.cjs. */
function useSdkTsNode(dir: string): void {
  const yaml = path.join(dir, "Pulumi.yaml");
  fs.writeFileSync(
    yaml,
    fs
      .readFileSync(yaml, "utf8")
      .replace(/^main: .*\n/m, "")
      .replace(/typescript: false/, "typescript: true"),
  );
  const launcher = path.join(dir, "policies", "run-policy-pack");
  fs.writeFileSync(launcher, fs.readFileSync(launcher, "utf8").replace(/exec node "\$here\/run-policy-pack\.cjs"/, 'exec node "$runner"'));
}

function measure(label: string, entry: Entry, program?: string): Result {
  const p = engineTierProject();
  try {
    if (program) {
      fs.writeFileSync(path.join(p.dir, "index.ts"), program);
      // the floor declares no stack config of its own; it starts like the program
      const own = fs.readFileSync(path.join(p.dir, "Pulumi.yaml"), "utf8");
      fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), own.replace(/\ndescription:[\s\S]*$/, "\n"));
    }
    if (entry === "ts-node") useSdkTsNode(p.dir);
    // this project's own temporary folder: the first preview finds every cache empty
    const tmp = path.join(p.dir, "tmp");
    fs.mkdirSync(tmp);
    p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]);
    let config = path.join(p.dir, "policies", "config", "homelab.json");
    if (program) {
      // The floor has no cluster, so the pack would refuse it; levelled advisory, every policy still runs.
      config = path.join(p.dir, "floor-policy.json");
      fs.writeFileSync(config, JSON.stringify({ all: "advisory" }));
    }
    const samples: Sample[] = [];
    for (let i = 0; i <= runs; i++) {
      const report = path.join(p.dir, `cpu-${i}.jsonl`);
      const timeFile = path.join(p.dir, `time-${i}.txt`);
      const env = {
        ...p.env,
        ...TOKEN,
        TMPDIR: tmp,
        XDG_CACHE_HOME: tmp,
        NODE_OPTIONS: `--require ${CPU_REPORT}`,
        BENCH_CPU_REPORT: report,
      };
      const cli = [
        "preview",
        "--stack",
        "homelab",
        "--policy-pack",
        path.join(p.dir, "policies", "run-policy-pack"),
        "--policy-pack-config",
        config,
        "--non-interactive",
      ];
      const [cmd, argv] = TIME ? [TIME, ["-f", "%U %S", "-o", timeFile, PULUMI, ...cli]] : [PULUMI, cli];
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, argv, { cwd: p.dir, env, encoding: "utf8", timeout: 600_000 });
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${label}: preview failed:\n${r.stdout}\n${r.stderr}`);
      const s: Sample = { wall };
      if (TIME)
        s.cpu = fs
          .readFileSync(timeFile, "utf8")
          .trim()
          .split("\n")
          .pop()!
          .split(" ")
          .reduce((a, x) => a + Number(x) * 1000, 0);
      if (fs.existsSync(report)) {
        for (const line of fs.readFileSync(report, "utf8").trim().split("\n")) {
          const { role, cpuMs } = JSON.parse(line) as { role: "program" | "pack"; cpuMs: number };
          s[role] = (s[role] ?? 0) + cpuMs;
        }
      }
      samples.push(s);
    }
    const [first, ...rest] = samples;
    const m: Sample = {
      wall: median(rest.map((s) => s.wall)),
      cpu: med(rest.map((s) => s.cpu)),
      program: med(rest.map((s) => s.program)),
      pack: med(rest.map((s) => s.pack)),
    };
    console.log(
      `${label.padEnd(44)} first ${fmt(first)}\n${"".padEnd(44)} median ${fmt(m)} (${runs} runs; wall ${rest.map((s) => sec(s.wall)).join(", ")})`,
    );
    return { first, median: m, runs: rest };
  } finally {
    removeProject(p);
  }
}

const sec = (ms: number | undefined) => (ms === undefined ? "-" : (ms / 1000).toFixed(2));
const fmt = (s: Sample) => `wall ${sec(s.wall)} s, CPU ${sec(s.cpu)} s (program ${sec(s.program)} s, pack ${sec(s.pack)} s)`;
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "-" : (a / b).toFixed(2));

function report(entry: Entry): void {
  const name =
    entry === "esbuild"
      ? "esbuild entry (tools/program-entry.cjs, policies/run-policy-pack.cjs; tools/ts-loader.cjs)"
      : "before: the SDK's ts-node (type check at every cold start)";
  console.log(`== ${name}`);
  const full = measure("homelab: full preview (program, pack)", entry);
  const floor = measure("engine floor: same plugins and pack, 5 resources", entry, FLOOR_PROGRAM);
  console.log(
    `ratios: median full/floor wall ${ratio(full.median.wall, floor.median.wall)}, CPU ${ratio(full.median.cpu, floor.median.cpu)}; ` +
      `first/median (full) wall ${ratio(full.first.wall, full.median.wall)}, CPU ${ratio(full.first.cpu, full.median.cpu)}; ` +
      `first full/first floor wall ${ratio(full.first.wall, floor.first.wall)}, CPU ${ratio(full.first.cpu, floor.first.cpu)}`,
  );
  console.log(
    `program cost above the floor (median): wall ${sec(full.median.wall - floor.median.wall)} s, CPU ${sec(full.median.cpu !== undefined && floor.median.cpu !== undefined ? full.median.cpu - floor.median.cpu : undefined)} s`,
  );
}

console.log(
  `load average at start: ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} (${TIME ? "CPU via /usr/bin/time" : "no /usr/bin/time: wall time only"})`,
);
if (before) report("ts-node");
report("esbuild");
