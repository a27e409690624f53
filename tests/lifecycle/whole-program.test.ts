// The whole program: the project's own index.ts, unchanged, under the real Pulumi CLI with the policy
// pack (policies/run-policy-pack, as tools/preview.sh and the pull-request workflow start it, with the
// stack's policy config) on every `up` and `preview`, in a throwaway copy of the project whose stack
// file is Pulumi.homelab.yaml with two workers (no data disks), the Proxmox endpoint and the Image
// Factory pointed at the simulator, and the Proxmox token as a Pulumi secret.
// Plugins: the real Proxmox VE provider, the real Kubernetes provider (.toolchain/test-plugins), the
// Talos provider stand-in and the command provider stand-in. Everything runs in a network namespace the
// test creates, holding the plan's addresses: the PVE API simulator and Image Factory stand-in, the
// Talos API stand-in on every node's address, and the cluster's Kubernetes API on the plan's VIP
// (:6443, the kubeconfig's server). That API is the Talos API stand-in's own for Node objects and
// kube-system's pods (the simulated nodes' readiness), and the REAL kube-apiserver (with Cilium's
// CRDs) for everything else: discovery, OpenAPI and the Cilium custom resources the program creates.
// The API server runs outside the namespace; the stand-in reaches it through a Unix socket bridged to
// its port (tests/lifecycle/kube-bridge.ts).
// One namespace, one set of stand-ins and one stack through the scenarios, in order:
//   (a) a fresh `up`; (b) the preview right after it is clean, also from a second clone;
//   (pack) a stricter pack config refuses the same stack; (c) a DNS change;
//   (l) a pull request's preview from a clone on a machine outside the homelab (its own namespace,
//       the stand-ins stopped, every private address unrouted, SYNs dropped as on a hosted runner).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { buildPlan } from "../../core/plan/build-plan";
import { readPolicyConfig, readStackConfig } from "../../core/plan/stack-file";
import type { Plan } from "../../core/plan/types";
import { BIN, sdkPlugin, tempProject } from "../e2e/engine";
import { type KubeControlPlane, startKubeControlPlane } from "../helpers/kube-apiserver";
import { KUBERNETES_PLUGIN_DIR, kubernetesEngineMissing } from "../helpers/kubernetes-engine";
import { referenceStackConfig } from "../helpers/stacks";
import { talosctlPath } from "../helpers/talos-standin";
import { tempDir } from "../helpers/tmp";
import { nodesOf, type PveApiProcess, type PveRequestEntry, startPveApi } from "../standins/pve-api/process";
import {
  buildLifecycleTools,
  COMMAND_STANDIN,
  type JournalEntry,
  LifecycleProject,
  Netns,
  proxmoxPlugin,
  readJournal,
  readTalosProviderJournal,
  startTalos,
  TALOS_PROVIDER_STANDIN,
  type TalosProviderCall,
  type TalosStandin,
} from "./harness";
import { type KubeBridge, startKubeBridge } from "./kube-bridge";

const STACK = "homelab";
const TOKEN = "root@pam!whole=5b0e7d2c-0000-4000-8000-00000000a11e";
const ENDPOINT = "https://192.168.0.250:8006/";
const FACTORY = "http://192.168.0.251:8080";
const DNS_A = ["192.168.0.2", "192.168.0.3", "1.1.1.1"];
const DNS_B = ["192.168.0.53", "9.9.9.9"];

/** The homelab stack file's config, bare keys (no namespace), with this tier's edits. */
function stackConfig(dns: string[]): Record<string, any> {
  const c: Record<string, any> = Object.fromEntries(
    Object.entries(referenceStackConfig(STACK)).map(([k, v]) => [k.replace(/^homelab:/, ""), v]),
  );
  c.proxmox = { ...c.proxmox, endpoint: ENDPOINT };
  // the Image Factory stand-in; the extensions as Pulumi.yaml's default gives them
  c.image = { extensions: ["siderolabs/qemu-guest-agent"], ...c.image, factoryUrl: FACTORY };
  c.network = { ...c.network, dns };
  // two workers, no Ceph data disks (two workers cannot hold three replicas: the plan refuses it)
  c.nodes = c.nodes
    .filter((n: { name: string }) => !["talos-wrk-03", "talos-wrk-04"].includes(n.name))
    .map((n: Record<string, unknown>) => ({ ...n, dataDisksGB: [] }));
  return c;
}

const packArgs = (dir: string, config = path.join(dir, "policies", "config", `${STACK}.json`)) => [
  "--policy-pack",
  path.join(dir, "policies", "run-policy-pack"),
  "--policy-pack-config",
  config,
];

/** the pack's summary line: it ran, from the launcher, and judged the stack */
const PACK_RAN =
  /homelab@v[\d.]+ \(local: .*run-policy-pack\)|Policy Packs run:\s+Name\s+Version\s+homelab\|local\|\S*run-policy-pack\s+[\d.]+/;

describe("the whole program (index.ts) under the real engine and the policy pack: PVE simulator, Talos stand-ins, the real Kubernetes API server", {
  timeout: 1_800_000,
}, () => {
  let ns: Netns;
  let outside: Netns | undefined;
  let pve: PveApiProcess;
  let talos: TalosStandin;
  let kube: KubeControlPlane;
  let bridge: KubeBridge;
  let project: LifecycleProject;
  let plan: Plan;
  let env: NodeJS.ProcessEnv;
  const work = tempDir("lifecycle-whole-program");
  const providerJournal = path.join(work, "talos-provider.jsonl");
  const commandJournal = path.join(work, "command.jsonl");
  const keep = process.env.WHOLE_PROGRAM_KEEP;
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const marks = { provider: 0, command: 0, talos: 0, pve: 0, kube: 0 };
  const sinceMark = <T>(key: keyof typeof marks, all: T[]): T[] => {
    const out = all.slice(marks[key]);
    marks[key] = all.length;
    return out;
  };
  const providerCalls = (): TalosProviderCall[] => sinceMark("provider", readTalosProviderJournal(providerJournal));
  const commands = (): JournalEntry[] => sinceMark("command", readJournal(commandJournal));
  const events = () => sinceMark("talos", talos.events());
  const pveRequests = (): PveRequestEntry[] => sinceMark("pve", pve.requests());
  const kubeProxied = (): { method: string; path: string; query: string; status: number }[] => {
    const f = path.join(talos.dir, "kube-proxy.jsonl");
    const all = fs.existsSync(f)
      ? fs
          .readFileSync(f, "utf8")
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    return sinceMark("kube", all);
  };
  const timings: string[] = [];
  /** a pulumi command, timed; every run's output kept under WHOLE_PROGRAM_KEEP */
  const pulumi = (p: LifecycleProject, args: string[]) => {
    const t0 = Date.now();
    const r = p.run(args);
    const out = `${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ""}`;
    timings.push(`${args.slice(0, 2).join(" ")}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (keep)
      fs.appendFileSync(path.join(keep, "runs.log"), `\n===== pulumi ${args.join(" ")} (${new Date().toISOString()}, ${p.dir})\n${out}`);
    return { status: r.status, out };
  };
  const up = (p = project) => {
    const r = pulumi(p, ["up", "--yes", "--skip-preview", ...packArgs(p.dir)]);
    assert.equal(r.status, 0, `pulumi up failed:\n${r.out}`);
    return r.out;
  };
  const previewClean = (p: LifecycleProject) => {
    const r = pulumi(p, ["preview", "--expect-no-changes", "--diff", ...packArgs(p.dir)]);
    assert.equal(r.status, 0, `the preview sees changes (${p.dir}):\n${r.out}`);
    return r.out;
  };
  const outputs = () => JSON.parse(project.must(["stack", "output", "--json", "--show-secrets"]));
  const writeStackFile = (dir: string, config: Record<string, any>) => {
    const file = path.join(dir, `Pulumi.${STACK}.yaml`);
    const doc = fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) : {};
    const secure = Object.fromEntries(
      Object.entries(doc.config ?? {}).filter(([, v]) => v && typeof v === "object" && "secure" in (v as object)),
    );
    const prefixed = Object.fromEntries(Object.entries(config).map(([k, v]) => [`homelab:${k}`, v]));
    fs.writeFileSync(file, stringify({ ...doc, config: { ...prefixed, ...secure } }));
  };
  /** a checkout of the project at another path: the same stack file (salt, encrypted token), same backend */
  const cloneOf = (from: LifecycleProject, ns2: Netns, extraEnv: NodeJS.ProcessEnv = {}) => {
    const dir = tempProject().dir;
    fs.copyFileSync(path.join(from.dir, `Pulumi.${STACK}.yaml`), path.join(dir, `Pulumi.${STACK}.yaml`));
    return new LifecycleProject(dir, ns2, STACK, { ...from.env, ...extraEnv });
  };

  before(async () => {
    buildLifecycleTools();
    proxmoxPlugin();
    const missing = kubernetesEngineMissing();
    if (missing.length > 0) throw new Error(`the real Kubernetes provider tier cannot run:\n- ${missing.join("\n- ")}`);
    if (!fs.existsSync(TALOS_PROVIDER_STANDIN))
      throw new Error(`${TALOS_PROVIDER_STANDIN} is not built (tools/toolchain/build-standins.sh)`);

    // the throwaway project: the repository's program, policies and tools; the stack file derived from homelab
    const dir = tempProject().dir;
    writeStackFile(dir, stackConfig(DNS_A));
    const sc = readStackConfig(dir, STACK);
    const built = buildPlan({
      stack: STACK,
      config: sc.values,
      otherKeys: sc.otherKeys,
      secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: false },
      env: {},
      policyConfig: readPolicyConfig(dir, STACK),
    });
    if (!built.ok) throw new Error(`the tier's stack does not plan: ${JSON.stringify(built.problems, null, 1)}`);
    plan = built.plan;
    assert.equal(plan.endpoint.mode, "vip");
    const vip = plan.endpoint.vip!;

    const t0 = Date.now();
    kube = await startKubeControlPlane();
    timings.push(`kube-apiserver, etcd, controller manager, CRDs: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    bridge = await startKubeBridge(work, kube);
    ns = await Netns.start([...new Set([...plan.nodes.map((n) => n.ip), vip, new URL(ENDPOINT).hostname, new URL(FACTORY).hostname])]);
    talos = await startTalos(ns, plan, {
      version: plan.talosVersion,
      rebootMs: 300,
      readyMs: 100,
      maintenance: true,
      extraArgs: ["-kube-listen", `${vip}:6443`, ...bridge.talosArgs],
    });
    pve = await startPveApi(ns.enter, { endpoint: ENDPOINT, factoryUrl: FACTORY, token: TOKEN, nodes: nodesOf(plan) });

    // PULUMI_HOME: the real Proxmox and Kubernetes plugins, the Talos provider and command stand-ins
    const home = tempDir("whole-program-pulumi-home");
    const link = (pkg: string, binary: string) => {
      const { name, version } = sdkPlugin(pkg);
      const d = path.join(home, "plugins", `resource-${name}-v${version}`);
      fs.mkdirSync(d, { recursive: true });
      fs.symlinkSync(binary, path.join(d, `pulumi-resource-${name}`));
    };
    link("@muhlba91/pulumi-proxmoxve", proxmoxPlugin());
    link("@pulumi/kubernetes", path.join(KUBERNETES_PLUGIN_DIR, `pulumi-resource-${sdkPlugin("@pulumi/kubernetes").name}`));
    link("@pulumiverse/talos", TALOS_PROVIDER_STANDIN);
    link("@pulumi/command", COMMAND_STANDIN);
    env = {
      PATH: `${BIN}:${process.env.PATH}`,
      HOME: process.env.HOME,
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_BACKEND_URL: `file://${tempDir("whole-program-state")}`,
      PULUMI_CONFIG_PASSPHRASE: "whole-program-passphrase",
      // the program's kubeconfig is the only one the Kubernetes provider may use
      KUBECONFIG: path.join(work, "no-kubeconfig"),
      TALOSCTL: talosctlPath(),
      TALOS_PROVIDER_STANDIN_JOURNAL: providerJournal,
      TALOS_PROVIDER_STANDIN_MAX_WAIT: "20s",
      TALOS_PROVIDER_STANDIN_RETRY: "200ms",
      COMMAND_STANDIN_JOURNAL: commandJournal,
      POLL_INTERVAL_MS: "150",
      REBOOT_TIMEOUT_S: "120",
      GATE_SETTLE_S: "1",
    };
    project = new LifecycleProject(dir, ns, STACK, env);
    project.must(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
    project.must(["config", "set", "--secret", "homelab:proxmoxApiToken", TOKEN]);
    assert.ok(!fs.readFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), "utf8").includes(TOKEN), "the token is encrypted in the stack file");
  });

  after(async () => {
    if (keep) {
      for (const [f, name] of [
        [providerJournal, "talos-provider.jsonl"],
        [commandJournal, "command.jsonl"],
        [path.join(talos?.dir ?? "", "events.jsonl"), "talos-events.jsonl"],
        [path.join(talos?.dir ?? "", "kube-proxy.jsonl"), "kube-proxy.jsonl"],
        [path.join(pve?.dir ?? "", "journal.jsonl"), "pve-journal.jsonl"],
      ]) {
        if (fs.existsSync(f)) fs.copyFileSync(f, path.join(keep, name));
      }
    }
    pve?.stop();
    talos?.stop();
    outside?.stop();
    ns?.stop();
    bridge?.stop();
    await kube?.stop();
    const [cutime, cstime] = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ").slice(13, 15).map(Number);
    console.log(
      `whole-program timings:\n  ${timings.join("\n  ")}\n  CPU of the reaped child processes (pulumi and its plugins, /proc/self/stat cutime+cstime): ${((cutime + cstime) / 100).toFixed(1)} s`,
    );
  });

  it("(a) a fresh `up` of index.ts with the pack: VMs created, bootstrap once, the LB pool and L2 policy in the real API server with the plan's values, kubeconfig and talosconfig secret in the state", async () => {
    const out = up();
    assert.match(out, PACK_RAN, `the policy pack ran:\n${out}`);
    // Proxmox: every VM created on its host, running, none stopped or rebooted
    const reqs = pveRequests();
    const creates = reqs.filter((r) => r.method === "POST" && /^\/nodes\/[^/]+\/qemu$/.test(r.path));
    assert.deepEqual(
      creates.map((r) => `${r.path.split("/")[2]} ${r.params.vmid} ${r.status}`).sort(),
      plan.nodes.map((n) => `${n.host} ${n.vmId} 200`).sort(),
    );
    for (const n of plan.nodes) assert.equal(pve.state().vms[String(n.vmId)]?.status, "running", n.name);
    assert.deepEqual(
      reqs.filter((r) => /\/status\/(stop|shutdown|reboot|reset|suspend)$/.test(r.path)).map((r) => `${r.method} ${r.path}`),
      [],
      "no VM stopped or rebooted",
    );
    // Talos: each node configured once in maintenance mode; one bootstrap, on the bootstrap node
    const ev = events();
    for (const n of plan.nodes) {
      assert.deepEqual(
        ev.filter((e) => e.node === n.name && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=REBOOT dry-run=false maintenance=true"],
        n.name,
      );
    }
    assert.deepEqual(
      ev.filter((e) => e.event === "bootstrap").map((e) => e.node),
      [plan.bootstrapNode.name],
    );
    assert.deepEqual(
      ev.filter((e) => ["upgrade", "reset", "bootstrap-refused", "apply-refused"].includes(e.event)),
      [],
    );
    const calls = providerCalls();
    assert.deepEqual(
      calls.filter((x) => x.call === "invoke" && x.type === "getHealth").map((x) => x.error),
      [null],
      "the first deploy's health check passed",
    );
    assert.deepEqual(
      commands().filter((e) => !e.ok),
      [],
      "every command of the run succeeded",
    );

    // the Kubernetes side landed in the real API server, through the stand-in's API at the VIP
    const pool = await kube.admin.get(`/apis/${plan.cilium.lbPoolApiVersion}/ciliumloadbalancerippools/${plan.clusterName}-pool`);
    assert.equal(pool.status, 200, pool.text);
    assert.deepEqual(pool.body.spec.blocks, [{ start: plan.lbPool.start, stop: plan.lbPool.stop }]);
    const l2 = await kube.admin.get(`/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies/${plan.clusterName}-l2`);
    assert.equal(l2.status, 200, l2.text);
    assert.deepEqual(l2.body.spec.interfaces, [`^${plan.network.interface}$`]);
    assert.equal(l2.body.spec.loadBalancerIPs, true);
    assert.deepEqual(l2.body.spec.nodeSelector, {
      matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
    });
    // created with server-side apply by the Kubernetes provider (its field manager), not by this test
    const managers = (pool.body.metadata.managedFields ?? []).map(
      (m: { manager: string; operation: string }) => `${m.manager} ${m.operation}`,
    );
    assert.ok(
      managers.some((m: string) => /^pulumi-kubernetes-\w+ Apply$/.test(m)),
      `managed by the provider's server-side apply: ${managers}`,
    );
    const proxied = kubeProxied();
    assert.ok(
      proxied.some((r) => r.method === "PATCH" && r.path.endsWith(`/ciliumloadbalancerippools/${plan.clusterName}-pool`) && r.status < 300),
      JSON.stringify(proxied),
    );
    assert.deepEqual(
      proxied.filter((r) => r.status >= 500),
      [],
      "no request failed upstream",
    );

    // outputs: what index.ts returns
    const o = outputs();
    assert.equal(o.endpointMode, "vip");
    assert.equal(o.apiEndpointUrl, plan.endpoint.url);
    assert.deepEqual(o.nodes.map((n: { name: string }) => n.name).sort(), plan.nodes.map((n) => n.name).sort());
    assert.deepEqual(o.stagedConfigs, []);
    assert.deepEqual(o.pendingVmReboots, []);
    assert.deepEqual(Object.keys(o.machineConfigHashes).sort(), plan.nodes.map((n) => n.name).sort());
    assert.equal(o.deployed.talosVersion, plan.talosVersion);
    assert.match(o.kubeconfig, new RegExp(`server: https://${plan.endpoint.vip!.replace(/\./g, "\\.")}:6443`));
    // secrets stay secret: kubeconfig, talosconfig and the token are nowhere in plain text in the state
    const exported = project.must(["stack", "export"]);
    const keyOf = (text: string, field: string) => new RegExp(`${field}:\\s*(\\S+)`).exec(text)![1];
    for (const [what, value] of [
      ["the kubeconfig's client key", keyOf(o.kubeconfig, "client-key-data")],
      ["the talosconfig's client key", keyOf(o.talosconfig, "key")],
      ["the Proxmox token", TOKEN],
    ]) {
      assert.ok(!exported.includes(value), `${what} is in plain text in \`pulumi stack export\``);
    }
    assert.ok(!exported.includes("kind: Config"), "no plaintext kubeconfig in the state");
    const state = JSON.parse(exported);
    const outs = state.deployment.resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack").outputs;
    for (const k of ["kubeconfig", "talosconfig"])
      assert.equal(outs[k]?.["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", `${k} is a secret output`);
  });

  it("(b) right after it, `pulumi preview --expect-no-changes` with the pack is clean, and so it is from a second clone at another path with the same backend", () => {
    const out = previewClean(project);
    assert.match(out, PACK_RAN);
    const clone = cloneOf(project, ns);
    previewClean(clone);
    // previews changed nothing anywhere
    assert.deepEqual(
      providerCalls().filter((x) => ["create", "update", "delete", "apply", "bootstrap"].includes(x.call)),
      [],
    );
    assert.deepEqual(
      pveRequests().filter((r) => r.method !== "GET"),
      [],
      "no VM changed",
    );
    assert.deepEqual(
      events().filter((e) => !["kubeconfig", "apply-dry-run"].includes(e.event)),
      [],
      "no node disturbed",
    );
    assert.deepEqual(
      kubeProxied().filter((r) => !["GET", "HEAD"].includes(r.method) && !/dryRun=All/.test(r.query)),
      [],
      "nothing written to the API server",
    );
  });

  it("(pack) the same stack under a stricter pack config (workers need 16 CPUs) is refused by the pack, not by the program", () => {
    const strict = JSON.parse(fs.readFileSync(path.join(project.dir, "policies", "config", `${STACK}.json`), "utf8"));
    strict["recommended-sizing"] = { ...strict["recommended-sizing"], worker: { ...strict["recommended-sizing"].worker, cpu: 16 } };
    const file = path.join(work, "pack-strict.json");
    fs.writeFileSync(file, JSON.stringify(strict, null, 2));
    const r = pulumi(project, ["preview", ...packArgs(project.dir, file)]);
    assert.notEqual(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /the stack config has \d+ problem/, "the program itself is not the one refusing");
    assert.match(r.out, /❌ homelab@v[\d.]+ \(local: .*run-policy-pack\)/, `the pack reports a violation:\n${r.out}`);
    assert.match(r.out, /\[mandatory\](?: \[severity: \w+\])?\s+recommended-sizing\b/, r.out);
    assert.deepEqual(
      providerCalls().filter((x) => ["create", "update", "delete", "apply"].includes(x.call)),
      [],
    );
  });

  it("(c) a DNS change in the stack file: every node's config is applied again without a reboot, no VM is touched; the next preview is clean", () => {
    writeStackFile(project.dir, stackConfig(DNS_B));
    up();
    const ev = events();
    for (const n of plan.nodes) {
      assert.deepEqual(
        ev.filter((e) => e.node === n.name && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=NO_REBOOT dry-run=false maintenance=false"],
        n.name,
      );
      const config = fs.readFileSync(path.join(talos.dir, `config-${n.name}.yaml`), "utf8");
      for (const d of DNS_B) assert.ok(config.includes(d), `${n.name}'s config names ${d}`);
    }
    assert.deepEqual(
      ev.filter((e) => ["reboot", "down", "reset", "bootstrap", "upgrade"].includes(e.event)),
      [],
      "nothing rebooted",
    );
    const writes = pveRequests().filter((r) => r.method !== "GET");
    assert.deepEqual(
      writes.map((r) => `${r.method} ${r.path}`),
      [],
      "no VM touched",
    );
    assert.equal(outputs().stagedConfigs.length, 0);
    previewClean(project);
    providerCalls();
    commands();
    kubeProxied();
  });

  it("(l) a pull request's preview from a clone on a machine outside the homelab (Proxmox, nodes and the Kubernetes API unreachable) answers with the pack, says what it could not check, in bounded time", async () => {
    pve.stop();
    talos.stop();
    bridge.stop();
    // the runner: a namespace of its own without the homelab's addresses, every packet out dropped
    outside = await Netns.start([], { dropEverything: true });
    // As README's pull-request runner: PULUMI_K8S_CLIENT_TIMEOUT caps each of the Kubernetes provider's
    // requests (without it this preview took 191 s, silent: one 30 s connection timeout per discovery
    // request). talosctl is on PATH, so the program asks the nodes their versions and sees none answer.
    const clone = cloneOf(project, outside, { PULUMI_K8S_CLIENT_TIMEOUT: "5" });
    const t0 = Date.now();
    const r = pulumi(clone, ["preview", "--diff", ...packArgs(clone.dir)]);
    const seconds = (Date.now() - t0) / 1000;
    console.log(`pull-request preview from outside: exit ${r.status}, ${seconds.toFixed(1)} s`);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, PACK_RAN);
    // the answer: nothing changes (the stack file is the deployed one)
    assert.match(r.out, /Resources:\s+\d+ unchanged\s/, r.out);
    assert.doesNotMatch(r.out, /to (create|update|delete|replace)/, r.out);
    // and what it could not check, once, with what shortens the wait
    assert.match(r.out, /no node answered: this preview runs outside the homelab\. The nodes' running Talos versions are not read/, r.out);
    assert.match(r.out, new RegExp(`cannot reach the cluster's API \\(${plan.endpoint.url.replace(/\./g, "\\.")}\\)`), r.out);
    assert.match(r.out, /each of its requests gives up after 5 s \(PULUMI_K8S_CLIENT_TIMEOUT\)/, r.out);
    assert.doesNotMatch(r.out, /\n\s+at .+\(.+:\d+:\d+\)/, "no stack trace");
    assert.ok(seconds < 120, `the preview took ${seconds} s`);
  });
});
