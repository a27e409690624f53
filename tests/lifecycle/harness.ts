// The lifecycle tier's harness: the real Pulumi CLI runs `pulumi up` / `pulumi preview` again and again
// on a small program that instantiates the project's real components, inside a network namespace this
// harness creates (as root: `unshare --net`, the plan's addresses added to its loopback), so the stack's
// private addresses exist only there. Providers that cannot be had offline are stand-ins under
// tests/standins, started and stopped here, each keeping a journal of what it received:
//   - the command provider stand-in (tests/standins/command, pulumi-command 1.2.1's local.Command on
//     pulumi-go-provider v1.3.0) runs the day-2 steps' commands for real;
//   - the Talos API stand-in (tests/standins/talos-api) answers the real talosctl;
//   - the Talos provider stand-in (tests/standins/talos-provider, pulumi-resource-talos) creates the
//     program's Talos resources against the Talos API stand-in (tests/lifecycle/talos-*.test.ts).
import { type ChildProcess, execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Plan } from "../../core/plan/types";
import { BIN, PULUMI, sdkPlugin, toolchainMissing } from "../e2e/engine";
import { PROJECT_DIR } from "../helpers/stacks";
import { talosctlPath } from "../helpers/talos-standin";
import { tempDir } from "../helpers/tmp";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

export const COMMAND_STANDIN = path.join(PROJECT_DIR, ".toolchain", "standins", "pulumi-resource-command");
const TALOS_STANDIN = path.join(PROJECT_DIR, ".toolchain", "bin", "talos-api-standin");
export const TALOS_PROVIDER_STANDIN = path.join(PROJECT_DIR, ".toolchain", "standins", "pulumi-resource-talos");

/** Builds what the tier runs (each build cached by a hash of its sources) and says what is missing. */
export function buildLifecycleTools(): void {
  for (const script of ["build-standins.sh", "build-talos-api-standin.sh", "build-talosctl.sh"]) {
    execFileSync("bash", [path.join(PROJECT_DIR, "tools", "toolchain", script)], { stdio: "inherit" });
  }
  if (toolchainMissing) throw new Error(toolchainMissing);
  for (const f of [COMMAND_STANDIN, TALOS_STANDIN])
    if (!fs.existsSync(f)) throw new Error(`${f} is not built (tools/toolchain/build-standins.sh, build-talos-api-standin.sh)`);
}

/** What the Talos tests run (no talosctl): the stand-ins, each build cached by a hash of its sources. */
export function buildTalosLifecycleTools(): void {
  for (const script of ["build-standins.sh", "build-talos-api-standin.sh"]) {
    execFileSync("bash", [path.join(PROJECT_DIR, "tools", "toolchain", script)], { stdio: "inherit" });
  }
  if (toolchainMissing) throw new Error(toolchainMissing);
  for (const f of [TALOS_PROVIDER_STANDIN, TALOS_STANDIN])
    if (!fs.existsSync(f)) throw new Error(`${f} is not built (tools/toolchain/build-standins.sh, build-talos-api-standin.sh)`);
}

/** A network namespace of our own: loopback up, the given addresses on it. Everything of the tier runs in it. */
export class Netns {
  private constructor(private readonly holder: ChildProcess) {}
  /**
   * `dropEverything`: a default route into a tun device nobody reads, which drops what it is given, so a
   * connection to any address not on the loopback waits for its timeout, as from a machine whose
   * packets never reach the homelab (a hosted CI runner), instead of failing at once.
   */
  static async start(addresses: string[], opts: { dropEverything?: boolean } = {}): Promise<Netns> {
    for (const a of addresses) if (!/^\d+\.\d+\.\d+\.\d+$/.test(a)) throw new Error(`not an IPv4 address: ${a}`);
    const drop = opts.dropEverything
      ? ["ip tuntap add nowhere mode tun", "ip link set nowhere up", "ip route add default dev nowhere"]
      : [];
    const script = [
      "ip link set lo up",
      ...addresses.map((a) => `ip addr add ${a}/32 dev lo`),
      ...drop,
      "echo READY",
      "exec sleep infinity",
    ].join(" && ");
    const holder = spawn("unshare", ["--net", "sh", "-c", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((res, rej) => {
      holder.stdout!.on("data", (d) => {
        if (String(d).includes("READY")) res();
      });
      holder.on("exit", (code) => rej(new Error(`could not create the test's network namespace (unshare --net needs root): exit ${code}`)));
    });
    return new Netns(holder);
  }
  /** argv prefix that runs a program inside the namespace */
  get enter(): string[] {
    return ["nsenter", `--net=/proc/${this.holder.pid}/ns/net`, "--"];
  }
  stop(): void {
    this.holder.kill("SIGTERM");
  }
}

export interface TalosStandin {
  dir: string;
  talosconfig: string;
  kubeconfig: string;
  events(): { t: number; node: string; role: string; event: string; detail: string }[];
  stop(): void;
}

/** The Talos API stand-in inside the namespace, on the plan's own addresses. */
export async function startTalos(
  ns: Netns,
  plan: Plan,
  opts: { version: string; rebootMs: number; readyMs: number; graceMs?: number; maintenance?: boolean; extraArgs?: string[] },
): Promise<TalosStandin> {
  const dir = tempDir("lifecycle-talos");
  const nodes = plan.nodes.map((n) => `${n.name}=${n.ip}:${n.role}`).join(",");
  const args = [
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
    "-kubernetes",
    plan.kubernetesVersion,
  ];
  // a new cluster: every node waits in maintenance mode for its first config
  if (opts.maintenance) args.push("-maintenance");
  // how long a Node's Ready condition stays True after its kubelet stopped (Kubernetes' node-monitor grace
  // period): a Ready seen right after a reboot can be the stale one
  if (opts.graceMs) args.push("-grace", `${opts.graceMs}ms`);
  // e.g. -kube-listen, -kube-upstream (tests/standins/talos-api/kubeproxy.go)
  args.push(...(opts.extraArgs ?? []));
  const [cmd, ...pre] = ns.enter;
  const proc = spawn(cmd, [...pre, TALOS_STANDIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    proc.stdout!.on("data", (d) => {
      if (String(d).includes("READY")) res();
    });
    proc.on("exit", (code) => rej(new Error(`Talos API stand-in exited with ${code}`)));
  });
  return {
    dir,
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
    },
  };
}

/**
 * talosctl for the steps: the real one, except `upgrade-k8s`, which needs Talos's resource API and a
 * real Kubernetes API that the stand-in does not speak; that call is recorded (and fails on demand),
 * and its effect (the cluster's new Kubernetes version) is written where the stand-in reads it.
 */
export function talosctlWrapper(dir: string, talosDir: string): { path: string; calls(): string[]; failNext(on: boolean): void } {
  const wrapper = path.join(dir, "talosctl");
  const log = path.join(dir, "upgrade-k8s.log");
  const fail = path.join(dir, "fail-upgrade-k8s");
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh
for a in "$@"; do
  if [ "$a" = upgrade-k8s ]; then
    echo "$*" >> "${log}"
    [ -e "${fail}" ] && { echo "simulated upgrade-k8s failure (talosctl wrapper of the lifecycle tests)" >&2; exit 1; }
    # its effect on the stand-in's Kubernetes API: the version after --to
    to=""; prev=""; for b in "$@"; do [ "$prev" = --to ] && to="$b"; prev="$b"; done
    [ -n "$to" ] && echo "$to" > "${path.join(talosDir, "kubernetes-version")}"
    echo "upgrade-k8s recorded by the talosctl wrapper of the lifecycle tests"; exit 0
  fi
done
exec "${talosctlPath()}" "$@"
`,
    { mode: 0o755 },
  );
  return {
    path: wrapper,
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []),
    failNext: (on) => (on ? fs.writeFileSync(fail, "") : fs.rmSync(fail, { force: true })),
  };
}

export interface JournalEntry {
  t: number;
  op: "create" | "update" | "delete";
  name: string;
  command?: string;
  dir?: string;
  env?: string[];
  previous?: string[];
  ok: boolean;
  error?: string;
  ms: number;
}

/** The real Proxmox VE provider plugin setup installed (tools/toolchain/build-proxmox-provider.sh or install-plugins.sh). */
export function proxmoxPlugin(): string {
  const { name, version } = sdkPlugin("@muhlba91/pulumi-proxmoxve");
  const homes = [path.join(PROJECT_DIR, ".toolchain", "pulumi-home"), process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi")];
  const found = homes
    .map((h) => path.join(h, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`))
    .find((f) => fs.existsSync(f));
  if (!found) throw new Error(`the Proxmox VE provider plugin ${version} is not installed: run tools/setup.sh`);
  return found;
}

/** The program: the project's real TalosUpgrade with literal inputs (inputs.json, written by the test). */
export const DAY2_PROGRAM = `// lifecycle tier: the project's day-2 component with literal inputs (tests/lifecycle/harness.ts)
import * as fs from "node:fs";
import { TalosUpgrade } from "./components/TalosUpgrade";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const day2 = new TalosUpgrade(\`\${i.plan.clusterName}-day2\`, {
  plan: i.plan, deployed: i.deployed, clientConfiguration: i.clientConfiguration,
  kubeconfig: i.kubeconfig, schematicId: i.schematicId, after: [],
});
export const done = day2.done;
`;

/**
 * The program of tests/lifecycle/talos-cluster-program.test.ts and bench/lifecycle-up.ts: a proxmox.Provider
 * pointing at the Proxmox VE API simulator plus the project's real `new TalosCluster(...)` with literal
 * plan/deployed (inputs.json), wired as index.ts wires it minus ApiEndpoint, Cilium and the Kubernetes
 * resources; `deployed` is the output the next run reads back, as index.ts does.
 */
export const CLUSTER_PROGRAM = `// lifecycle tier: the project's TalosCluster with literal inputs (tests/lifecycle/harness.ts CLUSTER_PROGRAM)
import * as fs from "node:fs";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { TalosCluster } from "./components/TalosCluster";
import { deployedStateOf } from "./core/deployed/state";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const plan = i.plan;
const proxmoxProvider = new proxmox.Provider("proxmox", { endpoint: plan.proxmox.endpoint, insecure: plan.proxmox.insecure });
const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider, deployed: i.deployed });
export const talosconfig = cluster.talosconfig;
export const healthy = cluster.healthy;
export const stagedConfigs = cluster.stagedNodes;
// as index.ts: read back by the next run, resolves once the day-2 steps finished
export const deployed = pulumi.all([cluster.configHashes, cluster.applyModes, cluster.configInputHashes, cluster.healthy, cluster.upgrade.done])
  .apply(([machineConfigHashes, applyModes, configInputHashes, health]) => ({
    ...deployedStateOf(plan), machineConfigHashes, applyModes, configInputHashes,
    ...(health === "after-removal" ? { healthCheckPending: true } : {}),
  }));
`;

export interface Inputs {
  plan: Plan;
  deployed?: unknown;
  clientConfiguration: { caCertificate: string; clientCertificate: string; clientKey: string };
  kubeconfig: string;
  schematicId: string;
}

export class LifecycleProject {
  readonly env: NodeJS.ProcessEnv;
  constructor(
    readonly dir: string,
    readonly ns: Netns,
    readonly stack: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.env = env;
  }

  /**
   * A new project (its own folder, backend, PULUMI_HOME with the command stand-in, and the real Proxmox
   * provider plugin when asked for) and stack; `program` replaces the day-2 program.
   */
  static create(
    ns: Netns,
    stack: string,
    extraEnv: NodeJS.ProcessEnv,
    opts: { program?: string; proxmox?: boolean; talos?: boolean } = {},
  ): LifecycleProject {
    const dir = tempDir("lifecycle-project");
    LifecycleProject.populate(dir, opts.program);
    const state = tempDir("lifecycle-state");
    const home = tempDir("lifecycle-pulumi-home");
    const link = (pkg: string, binary: string) => {
      const { name, version } = sdkPlugin(pkg);
      const plugin = path.join(home, "plugins", `resource-${name}-v${version}`);
      fs.mkdirSync(plugin, { recursive: true });
      fs.symlinkSync(binary, path.join(plugin, `pulumi-resource-${name}`));
    };
    link("@pulumi/command", COMMAND_STANDIN);
    if (opts.proxmox) link("@muhlba91/pulumi-proxmoxve", proxmoxPlugin());
    if (opts.talos) {
      if (!fs.existsSync(TALOS_PROVIDER_STANDIN))
        throw new Error(`${TALOS_PROVIDER_STANDIN} is not built (tools/toolchain/build-standins.sh)`);
      link("@pulumiverse/talos", TALOS_PROVIDER_STANDIN);
    }
    const env: NodeJS.ProcessEnv = {
      PATH: `${BIN}:${process.env.PATH}`,
      HOME: process.env.HOME,
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: "lifecycle-passphrase",
      ...extraEnv,
    };
    const p = new LifecycleProject(dir, ns, stack, env);
    p.must(["stack", "init", stack]);
    return p;
  }

  private static populate(dir: string, program = DAY2_PROGRAM): void {
    // The program starts as the project's does (Pulumi.yaml's runtime and `main`, package.json's "main",
    // tools/program-entry.cjs): that decides the working directory of the program and of every plugin,
    // so of the day-2 steps' commands.
    const own = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      stringifyYaml({ name: "day2-lifecycle", runtime: own.runtime, ...(own.main ? { main: own.main } : {}) }),
    );
    const entry = ["program-entry.cjs", "ts-loader.cjs"].map((f) => path.join("tools", f));
    for (const f of ["package.json", "tsconfig.json", "components", "core", path.join("tools", "day2"), ...entry]) {
      fs.cpSync(path.join(PROJECT_DIR, f), path.join(dir, f), { recursive: true });
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "index.ts"), program);
  }

  /** The same project checked out at another path (stack file and inputs copied), same backend. */
  clone(): LifecycleProject {
    const dir = tempDir("lifecycle-clone");
    LifecycleProject.populate(dir, fs.readFileSync(path.join(this.dir, "index.ts"), "utf8"));
    for (const f of fs.readdirSync(this.dir).filter((x) => /^Pulumi\..+\.yaml$/.test(x) || x === "inputs.json"))
      fs.copyFileSync(path.join(this.dir, f), path.join(dir, f));
    return new LifecycleProject(dir, this.ns, this.stack, this.env);
  }

  /** the whole state (`pulumi stack export`) and putting one back (`pulumi stack import`) */
  exportState(): any {
    return JSON.parse(this.must(["stack", "export", "--show-secrets", "--stack", this.stack]));
  }
  importState(state: unknown): void {
    const f = path.join(tempDir("lifecycle-import"), "state.json");
    fs.writeFileSync(f, JSON.stringify(state));
    this.must(["stack", "import", "--file", f, "--stack", this.stack]);
  }

  /** replaces the program (index.ts), as a new version of the project would */
  setProgram(program: string): void {
    fs.writeFileSync(path.join(this.dir, "index.ts"), program);
  }

  setInputs(i: Inputs): void {
    fs.writeFileSync(path.join(this.dir, "inputs.json"), JSON.stringify(i, null, 1));
  }

  /** a pulumi command in the namespace, on this project's stack (named: a clone has no stack selected) */
  run(args: string[]): SpawnSyncReturns<string> {
    const [cmd, ...pre] = this.ns.enter;
    const stack = args[0] === "stack" ? [] : ["--stack", this.stack];
    return spawnSync(cmd, [...pre, PULUMI, ...args, ...stack, "--non-interactive"], {
      cwd: this.dir,
      env: this.env,
      encoding: "utf8",
      timeout: 600_000,
    });
  }
  must(args: string[]): string {
    const r = this.run(args);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  up(): SpawnSyncReturns<string> {
    return this.run(["up", "--yes", "--skip-preview"]);
  }
  /** the engine's plan: resource name -> operation, for the steps that would run */
  previewOps(): Map<string, string> {
    const out = this.must(["preview", "--json"]);
    const ops = new Map<string, string>();
    for (const s of JSON.parse(out).steps ?? []) {
      if (s.op === "same") continue;
      const name = String(s.urn).split("::").pop()!;
      if (!ops.has(name) || s.op === "replace") ops.set(name, s.op);
    }
    return ops;
  }
}

export function readJournal(file: string): JournalEntry[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
}

/** The client configuration the Talos provider would give, from the stand-in's talosconfig. */
export function clientConfigurationOf(talosconfig: string): Inputs["clientConfiguration"] {
  const get = (k: string) => new RegExp(`^\\s*${k}: (\\S+)`, "m").exec(talosconfig)![1];
  return { caCertificate: get("ca"), clientCertificate: get("crt"), clientKey: get("key") };
}

/** One call the Talos provider stand-in received (its journal, $TALOS_PROVIDER_STANDIN_JOURNAL): names, never secret values. */
export interface TalosProviderCall {
  t: number;
  call: string;
  type: string;
  name: string;
  changed?: string[];
  replaces?: string[];
  node?: string;
  mode?: string;
  maintenance?: boolean;
  nodeMode?: string;
  needsReboot?: boolean;
  preview?: boolean;
  reset?: boolean;
  graceful?: boolean;
  reboot?: boolean;
  error?: string | null;
}

export function readTalosProviderJournal(file: string): TalosProviderCall[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
}

/**
 * The program of the Talos tests (tests/lifecycle/talos-*.test.ts): the Talos resources of
 * components/TalosCluster.ts and components/TalosNode.ts with the same names, arguments and options,
 * built from the same helpers, on literal inputs (inputs.json: { plan, deployed? }). Left out: the
 * Proxmox VMs (they need the Proxmox VE simulator), the Node-object command and the day-2 steps
 * (day2.test.ts), so a change to those components' Talos arguments must be made here too.
 */
export const TALOS_PROGRAM = `// lifecycle tier: the Talos part of TalosCluster/TalosNode with literal inputs (tests/lifecycle/harness.ts)
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { stringify } from "yaml";
import { patchStrings } from "./components/TalosNode";
import { healthCheckFor } from "./core/deployed/rollout";
import { RESET_ON_DESTROY } from "./core/talos/node-removal";
import { schematic } from "./core/talos/patches";
import { checkFactorySchematicId, schematicId } from "./core/talos/schematic-id";

const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const plan = i.plan;
const deployed = i.deployed;
const name = plan.clusterName;

const secrets = new talos.machine.Secrets(\`\${name}-secrets\`, { talosVersion: plan.configTalosVersion }, {
  protect: true, additionalSecretOutputs: ["machineSecrets", "clientConfiguration"], ignoreChanges: ["talosVersion"],
});
const clientConfiguration = secrets.clientConfiguration;
export const talosconfig = pulumi.secret(talos.client.getConfigurationOutput({
  clusterName: plan.clusterName, clientConfiguration, endpoints: plan.talosEndpoints, nodes: plan.nodes.map((n: any) => n.ip),
}).talosConfig);

// TalosImage: the schematic ID computed locally, the factory's answer checked against it
const doc = schematic(plan);
const localSchematicId = schematicId(doc);
const sch = new talos.imagefactory.Schematic(\`\${name}-image-schematic\`, { schematic: stringify(doc) });
export const registeredSchematicId = sch.id.apply((id) => checkFactorySchematicId(id, localSchematicId));

const nodes = plan.nodes.map((node: any) => {
  const alreadyDeployed = (deployed?.nodes ?? []).some((d: any) => d.name === node.name && (d.vmId === undefined || d.vmId === node.vmId));
  const patches = pulumi.output(localSchematicId).apply((id) => patchStrings(plan, node, id));
  const config = talos.machine.getConfigurationOutput({
    clusterName: plan.clusterName, clusterEndpoint: plan.endpoint.url, machineType: node.role,
    machineSecrets: secrets.machineSecrets, talosVersion: plan.configTalosVersion,
    kubernetesVersion: plan.configKubernetesVersion, docs: false, examples: false,
  });
  const apply = new talos.machine.ConfigurationApply(\`\${node.name}-config\`, {
    clientConfiguration, machineConfigurationInput: config.machineConfiguration, node: node.ip, endpoint: node.ip,
    configPatches: patches, applyMode: alreadyDeployed ? "staged_if_needing_reboot" : "auto", onDestroy: RESET_ON_DESTROY,
  }, { deleteBeforeReplace: true, deletedWith: secrets });
  return { node, apply };
});

const first = nodes.find((n: any) => n.node.name === plan.bootstrapNode.name)!;
const bootstrap = new talos.machine.Bootstrap(\`\${name}-bootstrap\`, {
  node: plan.bootstrapNode.ip, endpoint: plan.bootstrapNode.ip, clientConfiguration,
}, { dependsOn: [first.apply] });
const kubeconfig = new talos.cluster.Kubeconfig(\`\${name}-kubeconfig\`, {
  node: plan.bootstrapNode.ip, endpoint: plan.bootstrapNode.ip, clientConfiguration,
}, { dependsOn: [bootstrap], additionalSecretOutputs: ["kubernetesClientConfiguration", "clientConfiguration"] });
export const kubeconfigRaw = pulumi.secret(kubeconfig.kubeconfigRaw);

export const configHashes = pulumi.all(nodes.map((n: any) => n.apply.machineConfigurationHash))
  .apply((h) => Object.fromEntries(nodes.map((n: any, k: number) => [n.node.name, h[k]])));
export const healthy = pulumi.all([bootstrap.id, configHashes, clientConfiguration]).apply(async ([, hashes, client]) => {
  const need = healthCheckFor(deployed, hashes);
  if (pulumi.runtime.isDryRun() || need === "unchanged") return need;
  try {
    await talos.cluster.getHealth({
      clientConfiguration: client, endpoints: plan.talosEndpoints,
      controlPlaneNodes: plan.controlPlanes.map((n: any) => n.ip), workerNodes: plan.workers.map((n: any) => n.ip),
      timeouts: { read: "15m" },
    });
    return "healthy";
  } catch (e) {
    if (need === "first-deploy") throw e;
    pulumi.log.warn(\`the cluster did not report healthy after this change: \${(e as Error).message || e}\`);
    return "unhealthy";
  }
});
export const stagedNodes = pulumi.all(nodes.map((n: any) => n.apply.resolvedApplyMode))
  .apply((modes) => nodes.filter((_: any, k: number) => modes[k] === "staged").map((n: any) => n.node.name));
`;
