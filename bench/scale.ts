// Benchmark: how the program's cost grows with the cluster. Stacks of N nodes generated from
// Pulumi.homelab.yaml (bench/scale-stack.ts; into a temporary folder, never the repository), each
//  (a) through the program under Pulumi mocks (bench/scale-mock.ts: index.ts in preview mode, no engine,
//      no plugins), as a first preview and as the preview of an existing stack (outputs known, `deployed`
//      read back); CPU time of the program's process, median of `runs` after one warm-up run;
//  (b) with --engine, through the real engine's `pulumi preview` as bench/preview.ts runs it (the real
//      Proxmox provider, stand-ins for talos/kubernetes/command, the policy pack): the first preview and
//      the median of `runs` more; CPU time of the whole process tree and of the program's and the pack's
//      Node processes.
//  (a2) unless --no-pack, the policy pack on the registrations of (a) (bench/scale-pack.ts), each stack
//      policy as @pulumi/policy's server runs it; CPU time of the analysis, median of `runs`;
// Reported per size: resources, CPU time, time per resource, and the growth between sizes (the extra
// time per extra resource).
//   npx tsx bench/scale.ts [runs=5] [--sizes=7,50,250] [--states=first,existing] [--no-pack] [--engine] [--engine-runs=2] [--profile=<dir>]
//   [--node-args="<node options for the mock runs>"]
// --profile writes a V8 CPU profile (node --cpu-prof) of one mock run per size and state into <dir>.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { buildPlan } from "../core/plan/build-plan";
import { readPolicyConfig, readStackConfig } from "../core/plan/stack-file";
import { deployedStateOf } from "../core/deployed/state";
import { PROJECT_DIR, referenceStackConfig } from "../tests/helpers/stacks";
import { tempDir } from "../tests/helpers/tmp";
import { writeScaledStack } from "./scale-stack";

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Math.max(1, Number(args.find((a) => /^\d+$/.test(a)) ?? 5));
const sizes = (opt("sizes") ?? "7,50,250").split(",").map(Number);
const engine = args.includes("--engine");
const engineRuns = Math.max(1, Number(opt("engine-runs") ?? 2));
const profileDir = opt("profile");
const states = (opt("states") ?? "first,existing").split(",") as State[];
// extra Node options for the mock runs (e.g. --node-args=--max-semi-space-size=32), to try V8 settings
const mockNodeArgs = (opt("node-args") ?? "").split(" ").filter(Boolean);
const TOKEN = { PROXMOX_VE_API_TOKEN: "bench@pam!b=00000000-0000-0000-0000-000000000000" };
const CPU_REPORT = path.join(__dirname, "cpu-report.cjs");
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const sec = (ms: number) => (ms / 1000).toFixed(2);
const perRes = (ms: number, n: number) => `${(ms / n).toFixed(2)} ms`;

/** A generated stack in its own folder: the stack file, the config as the engine hands it over, `deployed`. */
interface Stack {
  nodes: number;
  dir: string;
  config: Record<string, any>;
  configFile: string;
  deployedFile: string;
}

function generate(nodes: number): Stack {
  const dir = tempDir(`homelab-scale-${nodes}`);
  const reference = referenceStackConfig("homelab");
  let config: Record<string, any>;
  if (nodes === (reference["homelab:nodes"] as unknown[]).length) {
    // the reference stack itself
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.homelab.yaml"), stringify({ config: reference }));
    config = reference;
  } else {
    config = writeScaledStack(dir, PROJECT_DIR, nodes);
  }
  // read back the way the engine hands config to the program: every value as text, maps and lists as JSON
  const sc = readStackConfig(dir, "homelab");
  const engineConfig = Object.fromEntries(
    Object.entries(sc.values).map(([k, v]) => [`homelab:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  const configFile = path.join(dir, "config.json");
  fs.writeFileSync(configFile, JSON.stringify(engineConfig));
  const r = buildPlan({
    stack: "homelab",
    config: sc.values,
    secretsPresent: sc.secretsPresent,
    env: { PROXMOX_VE_API_TOKEN: true },
    policyConfig: readPolicyConfig(PROJECT_DIR, "homelab"),
  });
  if (!r.ok) throw new Error(`scale: the generated ${nodes}-node stack does not plan:\n${JSON.stringify(r.problems, null, 2)}`);
  // what the last `up` of this very plan recorded: the next preview changes nothing
  const deployedFile = path.join(dir, "deployed.json");
  fs.writeFileSync(
    deployedFile,
    JSON.stringify({
      ...deployedStateOf(r.plan),
      machineConfigHashes: Object.fromEntries(r.plan.nodes.map((n) => [n.name, `sha256-${n.name}-config`])),
    }),
  );
  return { nodes, dir, config, configFile, deployedFile };
}

// ---------------------------------------------------------------------------------------------------
// (a) under mocks

interface MockSample {
  resources: number;
  custom: number;
  invokes: number;
  sdkMs: number;
  moduleMs: number;
  runMs: number;
  totalMs: number;
}
type State = "first" | "existing";
const cache = tempDir("homelab-scale-cache");

function mockRun(stack: Stack, state: State, profile?: string, dump?: string, floor?: string): MockSample {
  const nodeArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${path.dirname(profile)}`, `--cpu-prof-name=${path.basename(profile)}`] : [];
  const r = spawnSync(process.execPath, [...mockNodeArgs, ...nodeArgs, path.join(__dirname, "scale-mock.cjs")], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    timeout: 600_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...TOKEN,
      // no node is asked what it runs (the mocks export no talosconfig either): nothing leaves the machine
      HOMELAB_SKIP_NODE_PROBE: "1",
      // the loader's cache: warm after the first run, as for every preview after the first
      XDG_CACHE_HOME: cache,
      SCALE_CONFIG: stack.configFile,
      ...(state === "existing" ? { SCALE_DEPLOYED: stack.deployedFile } : {}),
      ...(dump ? { SCALE_DUMP: dump } : {}),
      ...(floor ? { SCALE_FLOOR: floor } : {}),
    },
  });
  if (r.status !== 0) throw new Error(`scale: mock run (${stack.nodes} nodes, ${state}) failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function mocks(stacks: Stack[]): void {
  console.log(
    `== under Pulumi mocks (index.ts in preview mode; CPU time of the program's process, median of ${runs} runs after a warm-up)`,
  );
  console.log("nodes  state     resources  invokes  SDK load  index.ts  main()   total    total/resource  program/resource");
  for (const state of states) {
    const rows: { nodes: number; resources: number; program: number; total: number }[] = [];
    for (const stack of stacks) {
      mockRun(stack, state); // warm-up: the loader's cache, V8's compile cache
      const samples = Array.from({ length: runs }, () => mockRun(stack, state));
      const m = (k: keyof MockSample) => median(samples.map((s) => s[k]));
      const resources = samples[0].resources;
      const program = m("moduleMs") + m("runMs");
      rows.push({ nodes: stack.nodes, resources, program, total: m("totalMs") });
      console.log(
        `${String(stack.nodes).padStart(5)}  ${state.padEnd(8)}  ${String(resources).padStart(9)}  ${String(samples[0].invokes).padStart(7)}  ${sec(m("sdkMs")).padStart(7)} s ${sec(m("moduleMs")).padStart(6)} s ${sec(m("runMs")).padStart(6)} s ${sec(m("totalMs")).padStart(6)} s  ` +
          `${perRes(m("totalMs"), resources).padStart(14)}  ${perRes(program, resources).padStart(16)}   (runs: ${samples.map((s) => sec(s.totalMs)).join(", ")})`,
      );
      if (profileDir) {
        fs.mkdirSync(profileDir, { recursive: true });
        const file = path.join(path.resolve(profileDir), `mock-${stack.nodes}-${state}.cpuprofile`);
        mockRun(stack, state, file);
        console.log(`       profile: ${file}`);
      }
    }
    growth(
      rows.map((r) => ({ nodes: r.nodes, resources: r.resources, ms: r.program })),
      "program (index.ts + main())",
    );
  }
  // the SDK's own cost per registration: trivial resources under the same mocks, after the same entry
  const floors = (["custom", "component"] as const).map((kind) => {
    const n = 1500;
    const run = () => mockRun(stacks[0], "first", undefined, undefined, `${kind}:${n}`);
    run();
    const samples = Array.from({ length: runs }, run);
    return `${kind === "custom" ? "a command with two variables" : "an empty component"} ${perRes(median(samples.map((s) => s.runMs)), samples[0].resources)}`;
  });
  console.log(`       the SDK's floor (${1500} trivial resources under the same mocks, main() per resource): ${floors.join(", ")}`);
}

interface PackSample {
  resources: number;
  violations: number;
  loadMs: number;
  analysisMs: number;
  perPolicy: Record<string, number>;
}

/** The policy pack on the registrations of a mock run (bench/scale-pack.ts), median of `runs`. */
function pack(stacks: Stack[]): void {
  console.log(
    `== the policy pack on the same registrations (bench/scale-pack.ts: every stack policy as @pulumi/policy's server runs it; CPU time, median of ${runs})`,
  );
  console.log("nodes  state     resources  violations  load    analysis  per resource  costliest policies");
  for (const state of states) {
    const rows: { nodes: number; resources: number; ms: number }[] = [];
    for (const stack of stacks) {
      const dump = path.join(stack.dir, `registrations-${state}.json`);
      mockRun(stack, state, undefined, dump);
      const one = (): PackSample => {
        const r = spawnSync(process.execPath, [...mockNodeArgs, path.join(__dirname, "scale-pack.cjs")], {
          cwd: PROJECT_DIR,
          encoding: "utf8",
          timeout: 600_000,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, SCALE_DUMP: dump },
        });
        if (r.status !== 0) throw new Error(`scale: pack run (${stack.nodes} nodes, ${state}) failed:\n${r.stdout}\n${r.stderr}`);
        return JSON.parse(r.stdout.trim().split("\n").pop()!);
      };
      one(); // warm-up
      const samples = Array.from({ length: runs }, one);
      const analysis = median(samples.map((s) => s.analysisMs));
      const n = samples[0].resources;
      const policies = Object.keys(samples[0].perPolicy)
        .map((k) => [k, median(samples.map((s) => s.perPolicy[k]))] as const)
        .sort((a, b) => b[1] - a[1]);
      rows.push({ nodes: stack.nodes, resources: n, ms: analysis });
      console.log(
        `${String(stack.nodes).padStart(5)}  ${state.padEnd(8)}  ${String(n).padStart(9)}  ${String(samples[0].violations).padStart(10)}  ${sec(median(samples.map((s) => s.loadMs))).padStart(4)} s  ${sec(analysis).padStart(6)} s  ` +
          `${perRes(analysis, n).padStart(12)}  ${policies
            .slice(0, 3)
            .map(([k, v]) => `${k} ${sec(v)} s`)
            .join(", ")}`,
      );
    }
    growth(rows, "the pack's analysis");
  }
}

/** The extra time per extra resource between consecutive sizes: flat means linear growth. */
function growth(rows: { nodes: number; resources: number; ms: number }[], what: string): void {
  const steps = rows.slice(1).map((r, i) => {
    const a = rows[i];
    return `${a.nodes} -> ${r.nodes} nodes: +${r.resources - a.resources} resources, +${sec(r.ms - a.ms)} s, ${perRes(r.ms - a.ms, r.resources - a.resources)} per extra resource`;
  });
  if (steps.length) console.log(`       growth of ${what}: ${steps.join("; ")}`);
}

// ---------------------------------------------------------------------------------------------------
// (b) through the real engine

async function engineRuns_(stacks: Stack[]): Promise<void> {
  const { engineTierProject, fullEngineMissing, PULUMI, removeProject } = await import("../tests/e2e/engine");
  const missing = fullEngineMissing();
  if (missing.length > 0) {
    console.log(`== real engine: cannot run:\n- ${missing.join("\n- ")}`);
    return;
  }
  console.log(
    `== real engine: pulumi preview with the policy pack (first preview after a clean cache, then the median of ${engineRuns}); CPU time`,
  );
  console.log("nodes  resources  run     wall     CPU (tree)  per resource  program  per resource  pack    per resource");
  const rows: { nodes: number; resources: number; cpu: number; program: number; pack: number }[] = [];
  for (const stack of stacks) {
    const p = engineTierProject();
    try {
      fs.writeFileSync(path.join(p.dir, "Pulumi.homelab.yaml"), stringify({ config: stack.config }));
      const tmp = path.join(p.dir, "tmp");
      fs.mkdirSync(tmp);
      const init = p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]);
      if (init.status !== 0) throw new Error(`stack init failed: ${init.stderr}`);
      const samples: { wall: number; cpu: number; program: number; pack: number; resources: number }[] = [];
      for (let i = 0; i <= engineRuns; i++) {
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
          path.join(p.dir, "policies", "config", "homelab.json"),
          "--non-interactive",
        ];
        const [cmd, argv] = TIME ? [TIME, ["-f", "%U %S", "-o", timeFile, PULUMI, ...cli]] : [PULUMI, cli];
        const t0 = process.hrtime.bigint();
        const r = spawnSync(cmd, argv, { cwd: p.dir, env, encoding: "utf8", timeout: 1_800_000, maxBuffer: 256 * 1024 * 1024 });
        const wall = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 0) throw new Error(`${stack.nodes} nodes: preview failed:\n${r.stdout.slice(-5000)}\n${r.stderr.slice(-5000)}`);
        // the engine's summary: "+ 1525 to create" (every resource, components and the stack included)
        const resources = Number(/\+ (\d+) to create/.exec(r.stdout)?.[1] ?? NaN);
        const cpu = TIME
          ? fs
              .readFileSync(timeFile, "utf8")
              .trim()
              .split("\n")
              .pop()!
              .split(" ")
              .reduce((a, x) => a + Number(x) * 1000, 0)
          : NaN;
        const s = { wall, cpu, program: 0, pack: 0, resources };
        if (fs.existsSync(report)) {
          for (const line of fs.readFileSync(report, "utf8").trim().split("\n")) {
            const { role, cpuMs } = JSON.parse(line) as { role: "program" | "pack"; cpuMs: number };
            s[role] += cpuMs;
          }
        }
        samples.push(s);
      }
      const [first, ...rest] = samples;
      const m = {
        wall: median(rest.map((s) => s.wall)),
        cpu: median(rest.map((s) => s.cpu)),
        program: median(rest.map((s) => s.program)),
        pack: median(rest.map((s) => s.pack)),
      };
      const n = first.resources;
      for (const [label, s] of [
        ["first", first],
        ["median", m],
      ] as const) {
        console.log(
          `${String(stack.nodes).padStart(5)}  ${String(n).padStart(9)}  ${label.padEnd(6)}  ${sec(s.wall).padStart(6)} s  ${sec(s.cpu).padStart(8)} s  ${perRes(s.cpu, n).padStart(12)}  ` +
            `${sec(s.program).padStart(5)} s  ${perRes(s.program, n).padStart(12)}  ${sec(s.pack).padStart(5)} s  ${perRes(s.pack, n).padStart(12)}`,
        );
      }
      rows.push({ nodes: stack.nodes, resources: n, ...m });
    } finally {
      removeProject(p);
    }
  }
  growth(
    rows.map((r) => ({ nodes: r.nodes, resources: r.resources, ms: r.cpu })),
    "the whole preview (CPU)",
  );
  growth(
    rows.map((r) => ({ nodes: r.nodes, resources: r.resources, ms: r.program })),
    "the program (CPU)",
  );
  growth(
    rows.map((r) => ({ nodes: r.nodes, resources: r.resources, ms: r.pack })),
    "the policy pack (CPU)",
  );
}

async function mainBench(): Promise<void> {
  console.log(
    `load average at start: ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; Node ${process.version}`,
  );
  const stacks = sizes.map(generate);
  mocks(stacks);
  if (!args.includes("--no-pack")) pack(stacks);
  if (engine) await engineRuns_(stacks);
}

mainBench().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
