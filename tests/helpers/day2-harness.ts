// Runs the program's day-2 command resources the way the engine and the command provider do, without
// either: the steps (create/update commands, environment, dir, dependsOn) are captured from the real
// components under Pulumi mocks; a step runs when its inputs differ from the previous run's (an update,
// with that step's last stdout in PULUMI_COMMAND_STDOUT) or when it is new (a create); steps run in
// dependency waves (a step starts once all of its dependencies succeeded); the first failure stops the
// run and the failed step keeps its previous state, as in the engine. Every change being an update holds
// because the steps carry no `triggers` (the SDK replaces on those); tests/lifecycle checks that, and
// the rest of this model, under the real engine.
import { spawn } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, resolve } from "./mocks";
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import type { DeployedState } from "../../core/deployed/state";
import type { Plan } from "../../core/plan/types";
import { PROJECT_DIR } from "./stacks";

export interface Step {
  name: string;
  create: string;
  update: string;
  dir: string;
  environment: Record<string, string>;
  triggers: unknown;
  deps: string[];
}
/** what the state holds per step after a run: its inputs and last stdout */
export type StepState = Map<string, { inputs: string; stdout: string }>;
export interface StepRun {
  name: string;
  mode: "create" | "update";
  ok: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

let seq = 0;
/** The command steps the components emit for this plan (credentials are the mocks' until replaced). */
export async function captureSteps(plan: Plan, deployed?: DeployedState): Promise<Step[]> {
  installMocks();
  const names = new Map<unknown, string>();
  const raw: { name: string; props: Record<string, any>; deps: unknown[] }[] = [];
  const record: pulumi.ResourceTransformation = (a) => {
    names.set(a.resource, a.name);
    // the rolling upgrade's steps only (TalosUpgrade's children; other commands run the same script,
    // e.g. the snapshot before a control-plane change and the config gates, and are judged elsewhere)
    if (
      a.type === "command:local:Command" &&
      (a.props as any).environment?.HOMELAB_DAY2_STEP &&
      a.name.startsWith(`${plan.clusterName}-day2-`)
    )
      raw.push({ name: a.name, props: a.props, deps: (a.opts.dependsOn as unknown[]) ?? [] });
    return undefined;
  };
  const provider = new proxmox.Provider(`proxmox-h${seq++}`, { endpoint: plan.proxmox.endpoint });
  const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider, deployed }, { transformations: [record] });
  await resolve(pulumi.all([cluster.healthy, cluster.upgrade.done]));
  const steps: Step[] = [];
  for (const r of raw) {
    const p = (await resolve(pulumi.output(r.props))) as Record<string, any>;
    steps.push({
      name: r.name,
      create: p.create,
      update: p.update,
      dir: p.dir,
      environment: p.environment,
      triggers: p.triggers,
      deps: r.deps.map((d) => names.get(d)!).filter((d) => raw.some((x) => x.name === d)),
    });
  }
  return steps;
}

/** dependency waves: wave 0 has no step dependencies */
export function waves(steps: Step[]): Step[][] {
  const w = new Map<string, number>();
  const by = new Map(steps.map((s) => [s.name, s]));
  const wave = (n: string): number => {
    if (!w.has(n)) w.set(n, Math.max(-1, ...by.get(n)!.deps.map(wave)) + 1);
    return w.get(n)!;
  };
  const out: Step[][] = [];
  for (const s of steps) (out[wave(s.name)] ??= []).push(s);
  return out;
}

const inputsOf = (s: Step, secretKeys: string[]) =>
  JSON.stringify({
    create: s.create,
    update: s.update,
    dir: s.dir,
    triggers: s.triggers,
    environment: Object.fromEntries(
      Object.entries(s.environment)
        .filter(([k]) => !secretKeys.includes(k))
        .sort(),
    ),
  });

/** Which steps an `up` would run: new ones (create) and changed ones (update), as the preview shows them. */
export function diff(
  steps: Step[],
  state: StepState,
  secretKeys = ["TALOSCONFIG_DATA", "KUBECONFIG_DATA"],
): { step: Step; mode: "create" | "update" }[] {
  return steps.flatMap((s): { step: Step; mode: "create" | "update" }[] => {
    const before = state.get(s.name);
    if (!before) return [{ step: s, mode: "create" as const }];
    return before.inputs === inputsOf(s, secretKeys) ? [] : [{ step: s, mode: "update" as const }];
  });
}

export interface UpOptions {
  /** rewrites the step's own environment values (e.g. node addresses onto a stand-in's) */
  translate?: (value: string) => string;
}

function runOne(
  step: Step,
  mode: "create" | "update",
  env: Record<string, string>,
  prevStdout: string | undefined,
  opts: UpOptions,
): Promise<StepRun> {
  const t0 = Date.now();
  const own = Object.fromEntries(Object.entries(step.environment).map(([k, v]) => [k, opts.translate ? opts.translate(v) : v]));
  return new Promise((res) => {
    // the command provider runs the command with /bin/sh -c in `dir`, else in its own working
    // directory, which the engine sets to the project folder; its environment added to its own
    const child = spawn("/bin/sh", ["-c", mode === "create" ? step.create : step.update], {
      cwd: step.dir ?? PROJECT_DIR,
      env: { ...process.env, ...own, ...env, ...(prevStdout !== undefined ? { PULUMI_COMMAND_STDOUT: prevStdout } : {}) },
    });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => res({ name: step.name, mode, ok: code === 0, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** One `pulumi up` of the day-2 steps: returns the runs in order; updates `state` for the steps that succeeded. */
export async function up(
  steps: Step[],
  state: StepState,
  env: Record<string, string>,
  opts: UpOptions = {},
): Promise<{ runs: StepRun[]; failed?: StepRun }> {
  const todo = new Map(diff(steps, state).map((d) => [d.step.name, d.mode]));
  const runs: StepRun[] = [];
  for (const wave of waves(steps)) {
    const results = await Promise.all(
      wave.filter((s) => todo.has(s.name)).map((s) => runOne(s, todo.get(s.name)!, env, state.get(s.name)?.stdout, opts)),
    );
    runs.push(...results);
    for (const r of results)
      if (r.ok)
        state.set(r.name, {
          inputs: inputsOf(steps.find((s) => s.name === r.name)!, ["TALOSCONFIG_DATA", "KUBECONFIG_DATA"]),
          stdout: r.stdout,
        });
    const failed = results.find((r) => !r.ok);
    if (failed) return { runs, failed };
  }
  return { runs };
}
