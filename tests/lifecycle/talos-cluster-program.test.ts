// The project's real components/TalosCluster under the real engine, no copy of its wiring: the program
// is a proxmox.Provider pointing at the Proxmox VE API simulator plus `new TalosCluster(...)` with
// literal plan/deployed (inputs.json), as index.ts wires it minus ApiEndpoint, Cilium and the
// Kubernetes resources. Plugins: the real Proxmox VE provider, the Talos provider stand-in, the command
// provider stand-in (the day-2 steps, gates, etcd removal and Node-object commands run
// tools/day2/talos-day2.ts and the real talosctl for real). The Talos API stand-in's nodes start in
// maintenance mode; the image comes from the simulator's Image Factory stand-in (image.factoryUrl).
// One namespace, one set of stand-ins and one stack are carried through the scenarios in order; every
// run after the first gets `deployed` as index.ts gives it (the previous run's `deployed` output read
// back, the plan's contract resolved against it). Assertions are on what the stand-ins received.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { resolveContract } from "../../core/deployed/contract";
import { type DeployedState, parseDeployedState } from "../../core/deployed/state";
import type { Plan } from "../../core/plan/types";
import { BIN } from "../e2e/engine";
import { stackPlan } from "../helpers/stacks";
import { talosctlPath } from "../helpers/talos-standin";
import { tempDir } from "../helpers/tmp";
import { nodesOf, type PveApiProcess, type PveRequestEntry, startPveApi } from "../standins/pve-api/process";
import {
  buildLifecycleTools,
  CLUSTER_PROGRAM,
  type JournalEntry,
  LifecycleProject,
  Netns,
  proxmoxPlugin,
  readJournal,
  readTalosProviderJournal,
  startTalos,
  TALOS_PROVIDER_STANDIN,
  talosctlWrapper,
  type TalosProviderCall,
  type TalosStandin,
} from "./harness";

const STACK = "cluster-program";
const CLUSTER = "prog";
const TOKEN = "root@pam!lifecycle=6f1c2a4e-0000-4000-8000-00000000c1a5";
const ENDPOINT = "https://192.168.0.250:8006/";
const FACTORY = "http://192.168.0.251:8080";
const DNS_A = ["192.168.0.2", "192.168.0.3", "1.1.1.1"];
const DNS_B = ["192.168.0.53", "9.9.9.9"];
const DNS_C = ["192.168.0.54", "1.0.0.1"];
const K8S = "v1.34.1";
const K8S_NEXT = "v1.34.2";

/** the control plane that replaces a dead one (3 -> 2 control planes does not plan: an even etcd count) */
const CP_04 = {
  name: "talos-cp-04",
  role: "controlplane",
  ip: "192.168.0.18",
  vmId: 1018,
  host: "pve3",
  cpu: 4,
  memoryGiB: 8,
  osDiskGB: 50,
};
/** homelab (3 control planes) with two workers and no data disks, on the simulator's addresses */
const stackOf = (
  opts: { dns?: string[]; kubernetes?: string; unreachable?: string[]; without?: string[]; replacement?: boolean } = {},
): Plan =>
  stackPlan("homelab", (c) => {
    c.clusterName = CLUSTER;
    c.proxmox = { ...c.proxmox, endpoint: ENDPOINT };
    c.image = { ...c.image, factoryUrl: FACTORY };
    c.network = { ...c.network, dns: opts.dns ?? DNS_A };
    c.versions = { ...c.versions, kubernetes: opts.kubernetes ?? K8S };
    c.upgrade = { workerBatchSize: 1, snapshotDir: ".etcd-snapshots" };
    c.nodes = [...c.nodes, ...(opts.replacement ? [CP_04] : [])]
      .filter((n: { name: string }) => !["talos-wrk-03", "talos-wrk-04", ...(opts.without ?? [])].includes(n.name))
      // no Ceph data disks: two workers cannot hold three replicas (the plan refuses it)
      .map((n: { name: string }) => ({
        ...n,
        dataDisksGB: [],
        ...((opts.unreachable ?? []).includes(n.name) ? { unreachable: true } : {}),
      }));
  });
/** the nameservers a rendered machine config gives (v1alpha1 machine.network and ResolverConfig documents) */
const nameserversOf = (config: string): string[] =>
  [
    ...new Set(
      parseAllDocuments(config).flatMap((d) => {
        const doc = d.toJS() ?? {};
        return [
          ...(doc.machine?.network?.nameservers ?? []),
          ...(doc.kind === "ResolverConfig" ? doc.nameservers.map((n: { address: string }) => n.address) : []),
        ];
      }),
    ),
  ].sort();

describe("the project's TalosCluster under the real engine: PVE simulator, Talos provider and API stand-ins, command stand-in", {
  timeout: 2_400_000,
}, () => {
  const base = stackOf();
  const cps = base.controlPlanes.map((n) => n.name);
  const names = base.nodes.map((n) => n.name);
  const ipOf = (name: string) => base.nodes.find((n) => n.name === name)!.ip;
  let ns: Netns;
  let pve: PveApiProcess;
  let talos: TalosStandin;
  let project: LifecycleProject;
  let k8s: ReturnType<typeof talosctlWrapper>;
  const work = tempDir("lifecycle-cluster-program");
  const keep = process.env.CLUSTER_PROGRAM_KEEP;
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const providerJournal = path.join(work, "talos-provider.jsonl");
  const commandJournal = path.join(work, "command.jsonl");
  const kubectlLog = path.join(work, "kubectl.log");
  /** what every look since the previous one found, per source */
  const marks = { provider: 0, command: 0, talos: 0, pve: 0 };
  const sinceMark = <T>(key: keyof typeof marks, all: T[]): T[] => {
    const out = all.slice(marks[key]);
    marks[key] = all.length;
    return out;
  };
  const providerCalls = (): TalosProviderCall[] => sinceMark("provider", readTalosProviderJournal(providerJournal));
  const commands = (): JournalEntry[] => sinceMark("command", readJournal(commandJournal));
  const events = () => sinceMark("talos", talos.events());
  const pveRequests = (): PveRequestEntry[] => sinceMark("pve", pve.requests());
  const outputs = () => JSON.parse(project.must(["stack", "output", "--json", "--show-secrets"]));
  /** deployed as index.ts reads it back (lastDeployed: the `deployed` output, parsed tolerantly) */
  const lastDeployed = (): DeployedState => parseDeployedState(outputs().deployed)!;
  /** the plan as index.ts gives it to TalosCluster: the contract resolved against what was deployed */
  const run = (stack: Plan, deployed: DeployedState | undefined) => {
    project.setInputs({ plan: resolveContract(stack, deployed), deployed } as never);
    const r = project.up();
    // CLUSTER_PROGRAM_KEEP=<dir>: every run's output and, at the end, the stand-ins' journals are kept there
    if (keep) fs.appendFileSync(path.join(keep, "runs.log"), `\n===== pulumi up (${new Date().toISOString()})\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.status, 0, `pulumi up failed:\n${r.stdout}\n${r.stderr}`);
    return `${r.stdout}\n${r.stderr}`;
  };
  const nodeConfig = (node: string) => fs.readFileSync(path.join(talos.dir, `config-${node}.yaml`), "utf8");
  /** the next run's preview as index.ts would make it (deployed read back) sees nothing to do */
  const nextPreviewClean = (stack: Plan) => {
    const deployed = lastDeployed();
    project.setInputs({ plan: resolveContract(stack, deployed), deployed } as never);
    previewClean();
  };
  const previewClean = () => {
    const r = project.run(["preview", "--expect-no-changes", "--diff"]);
    assert.equal(r.status, 0, `the preview sees changes:\n${r.stdout}\n${r.stderr}`);
  };
  /** the changes the provider made (create/update/delete), as "<call> <name>" */
  const changes = (c: TalosProviderCall[]) =>
    c
      .filter((x) => ["create", "update", "delete"].includes(x.call))
      .map((x) => `${x.call} ${x.name}`)
      .sort();
  /** talosctl inside the namespace with the cluster's own talosconfig (the program's output) */
  const talosctl = (args: string[]) => {
    const cfg = path.join(work, "cluster-talosconfig");
    fs.writeFileSync(cfg, outputs().talosconfig, { mode: 0o600 });
    const [cmd, ...pre] = ns.enter;
    const r = spawnSync(cmd, [...pre, talosctlPath(), "--talosconfig", cfg, ...args], { encoding: "utf8", timeout: 60_000 });
    fs.rmSync(cfg);
    assert.equal(r.status, 0, `talosctl ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  };
  /** the node powers off as a dead host would (the Talos API stand-in's Shutdown: no etcd leave), then answers nothing */
  const kill = async (name: string) => {
    talosctl(["-e", ipOf(name), "-n", ipOf(name), "shutdown", "--force", "--wait=false"]);
    for (let k = 0; k < 50 && !talos.events().some((e) => e.node === name && e.event === "power-off"); k++)
      await new Promise((r) => setTimeout(r, 100));
    const ev = events();
    assert.deepEqual(
      ev.filter((e) => e.node === name).map((e) => e.event),
      ["shutdown", "power-off"],
    );
  };

  before(async () => {
    buildLifecycleTools();
    proxmoxPlugin();
    if (!fs.existsSync(TALOS_PROVIDER_STANDIN))
      throw new Error(`${TALOS_PROVIDER_STANDIN} is not built (tools/toolchain/build-standins.sh)`);
    // the Talos API stand-in holds every node the life will have: talos-cp-04 waits in maintenance mode
    const all: Plan = { ...base, nodes: [...base.nodes, { ...base.controlPlanes[2], name: CP_04.name, ip: CP_04.ip, vmId: CP_04.vmId }] };
    ns = await Netns.start([...new Set([...all.nodes.map((n) => n.ip), new URL(ENDPOINT).hostname, new URL(FACTORY).hostname])]);
    talos = await startTalos(ns, all, { version: base.talosVersion, rebootMs: 300, readyMs: 100, maintenance: true });
    pve = await startPveApi(ns.enter, { endpoint: ENDPOINT, factoryUrl: FACTORY, token: TOKEN, nodes: nodesOf(base) });
    k8s = talosctlWrapper(work, talos.dir);
    // The Node-object command's kubectl: the Talos API stand-in's Kubernetes API serves no discovery
    // (/api, /apis), which the real kubectl needs before a `delete node`, so that one call is played by
    // this script: the same DELETE the real one sends, to the kubeconfig's server (or --server) with its
    // credentials, recorded in kubectl.log. Everything else (`config view`: local) is the real kubectl.
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const realKubectl = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim();
    fs.writeFileSync(
      path.join(bin, "kubectl"),
      `#!/bin/sh
# kubectl stand-in of tests/lifecycle/talos-cluster-program.test.ts: plays 'delete node NAME', passes the rest on
kc=""; server=""; verb=""; kind=""; name=""; prev=""
for a in "$@"; do
  case "$prev" in
    --kubeconfig) kc="$a" ;;
    --server) server="$a" ;;
    -o) ;;
    *) case "$a" in
         --kubeconfig=*) kc="\${a#*=}" ;;
         --server=*) server="\${a#*=}" ;;
         -*) ;;
         *) if [ -z "$verb" ]; then verb="$a"; elif [ -z "$kind" ]; then kind="$a"; elif [ -z "$name" ]; then name="$a"; fi ;;
       esac ;;
  esac
  prev="$a"
done
if [ "$verb $kind" != "delete node" ]; then exec "${realKubectl}" "$@"; fi
echo "delete node $name server=\${server:-kubeconfig}" >> "${kubectlLog}"
[ -n "$kc" ] || { echo "kubectl stand-in: delete node without --kubeconfig" >&2; exit 1; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
field() { sed -n "s/^ *$1: *//p" "$kc" | head -1; }
field certificate-authority-data | base64 -d > "$t/ca"; field client-certificate-data | base64 -d > "$t/crt"; field client-key-data | base64 -d > "$t/key"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$t/ca" --cert "$t/crt" --key "$t/key" -X DELETE "\${server:-$(field server)}/api/v1/nodes/$name")
case "$code" in 200) echo "node \\"$name\\" deleted" ;; 404) ;; *) echo "kubectl stand-in: DELETE node $name answered $code" >&2; exit 1 ;; esac
`,
      { mode: 0o755 },
    );
    project = LifecycleProject.create(
      ns,
      STACK,
      {
        PATH: `${bin}:${BIN}:${process.env.PATH}`,
        PROXMOX_VE_API_TOKEN: TOKEN,
        TALOS_PROVIDER_STANDIN_JOURNAL: providerJournal,
        TALOS_PROVIDER_STANDIN_MAX_WAIT: "20s",
        TALOS_PROVIDER_STANDIN_RETRY: "200ms",
        COMMAND_STANDIN_JOURNAL: commandJournal,
        TALOSCTL: k8s.path,
        POLL_INTERVAL_MS: "150",
        REBOOT_TIMEOUT_S: "120",
        // the control-plane gate's settle time (20 s by default), so a run with gates takes seconds
        GATE_SETTLE_S: "1",
      },
      { program: CLUSTER_PROGRAM, proxmox: true, talos: true },
    );
  });
  after(() => {
    if (keep) {
      for (const f of [
        providerJournal,
        commandJournal,
        kubectlLog,
        path.join(talos?.dir ?? "", "events.jsonl"),
        path.join(pve?.dir ?? "", "journal.jsonl"),
      ]) {
        if (fs.existsSync(f)) fs.copyFileSync(f, path.join(keep, f.startsWith(pve?.dir ?? "\0") ? "pve-journal.jsonl" : path.basename(f)));
      }
    }
    pve?.stop();
    talos?.stop();
    ns?.stop();
  });

  it("(1) a fresh `up` creates the VMs, applies every config in maintenance mode, bootstraps once, day-2 steps only check; the next run as index.ts gives `deployed` changes nothing, then the preview is clean", () => {
    run(base, undefined);
    // Proxmox: every VM created on its host and running
    const reqs = pveRequests();
    const creates = reqs.filter((r) => r.method === "POST" && /^\/nodes\/[^/]+\/qemu$/.test(r.path));
    assert.deepEqual(
      creates.map((r) => `${r.path.split("/")[2]} ${r.params.vmid} ${r.status}`).sort(),
      base.nodes.map((n) => `${n.host} ${n.vmId} 200`).sort(),
    );
    for (const n of base.nodes) assert.equal(pve.state().vms[String(n.vmId)]?.status, "running", n.name);
    // Talos: one apply per node in maintenance mode, one bootstrap on the bootstrap node
    const ev = events();
    for (const n of names) {
      assert.deepEqual(
        ev.filter((e) => e.node === n && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=REBOOT dry-run=false maintenance=true"],
        n,
      );
      assert.deepEqual(nameserversOf(nodeConfig(n)), [...DNS_A].sort(), `${n}'s nameservers`);
    }
    assert.deepEqual(
      ev.filter((e) => e.event === "bootstrap").map((e) => e.node),
      [base.bootstrapNode.name],
    );
    assert.deepEqual(
      ev.filter((e) => ["upgrade", "reset", "bootstrap-refused", "apply-refused"].includes(e.event)),
      [],
    );
    // the VM of a node exists before its config is applied
    const vmCreated = (vmId: number) => creates.find((r) => r.params.vmid === String(vmId))!.t;
    for (const n of base.nodes)
      assert.ok(vmCreated(n.vmId) < ev.find((e) => e.node === n.name && e.event === "apply")!.t, `${n.name}: VM before config`);
    const c = providerCalls();
    assert.deepEqual(
      changes(c),
      [
        `create ${CLUSTER}-bootstrap`,
        `create ${CLUSTER}-image-schematic`,
        `create ${CLUSTER}-kubeconfig`,
        `create ${CLUSTER}-secrets`,
        ...names.map((n) => `create ${n}-config`),
      ].sort(),
    );
    assert.deepEqual(
      c.filter((x) => x.call === "invoke" && x.type === "getHealth").map((x) => x.error),
      [null],
      "the first deploy's health check passed",
    );
    // day-2 steps, gates, the membership snapshot and the Node-object commands: created, nothing upgraded
    const j = commands();
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`).sort(),
      [
        `${CLUSTER}-day2-etcd-snapshot`,
        ...names.map((n) => `${CLUSTER}-day2-${n}`),
        `${CLUSTER}-day2-kubernetes`,
        `${CLUSTER}-etcd-snapshot-membership`,
        ...cps.map((n) => `${n}-config-gate`),
        ...names.map((n) => `${n}-node-object`),
      ]
        .map((n) => `create ${n} true`)
        .sort(),
    );
    assert.deepEqual(k8s.calls(), [], "a new cluster does not call upgrade-k8s");
    const out = outputs();
    assert.equal(out.healthy, "healthy");
    assert.deepEqual(out.stagedConfigs, []);

    // the second run, as index.ts makes it (deployed records each node's apply mode and config inputs):
    // nothing changes, no node hears anything but the kubeconfig read
    run(base, lastDeployed());
    assert.deepEqual(
      events().filter((e) => e.event !== "kubeconfig"),
      [],
      "no node disturbed",
    );
    assert.deepEqual(changes(providerCalls()), [], "nothing created, updated or deleted");
    assert.deepEqual(
      pveRequests().filter((r) => r.method !== "GET"),
      [],
      "no VM changed",
    );
    assert.deepEqual(k8s.calls(), []);
    // the gates' inputs (config hash, resolved mode) did not change: no step, gate or command ran
    assert.deepEqual(
      commands().map((e) => `${e.op} ${e.name}`),
      [],
    );
    previewClean();
    assert.deepEqual(
      providerCalls().filter((x) => ["create", "update", "delete", "apply", "bootstrap"].includes(x.call)),
      [],
      "the preview changed nothing",
    );
  });

  it("(2) a DNS change on every control plane: each control plane's config reaches it only after the previous one's gate finished waiting for it", () => {
    const v2 = stackOf({ dns: DNS_B });
    run(v2, lastDeployed());
    const ev = events();
    const j = commands();
    for (const n of names) {
      assert.deepEqual(
        ev.filter((e) => e.node === n && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=NO_REBOOT dry-run=false maintenance=false"],
        n,
      );
      assert.deepEqual(nameserversOf(nodeConfig(n)), [...DNS_B].sort(), `${n}'s nameservers`);
    }
    const gate = (n: string) => {
      const g = j.filter((e) => e.name === `${n}-config-gate`);
      assert.equal(g.length, 1, `${n}: ${JSON.stringify(g)}`);
      assert.equal(`${g[0].op} ${g[0].ok}`, "update true", n);
      return { start: g[0].t, end: g[0].t + g[0].ms };
    };
    /** when the node first heard of this run's config: the provider's dry run or the apply */
    const firstContact = (n: string) => ev.find((e) => e.node === n && ["apply-dry-run", "apply"].includes(e.event))!.t;
    const applied = (n: string) => ev.find((e) => e.node === n && e.event === "apply")!.t;
    const timeline: string[] = [];
    for (let k = 0; k < cps.length; k++) {
      const g = gate(cps[k]);
      timeline.push(`${cps[k]}: first contact ${firstContact(cps[k])}, apply ${applied(cps[k])}, gate ${g.start}..${g.end}`);
      assert.ok(g.start >= applied(cps[k]), `${cps[k]}'s gate started after its apply`);
      // the gate waited (GATE_SETTLE_S=1), then asked the node and etcd
      assert.ok(g.end - g.start >= 1000, `${cps[k]}'s gate waited ${g.end - g.start} ms`);
      if (k + 1 < cps.length)
        assert.ok(
          firstContact(cps[k + 1]) > g.end,
          `${cps[k + 1]} was contacted before ${cps[k]}'s gate finished:\n${timeline.join("\n")}`,
        );
    }
    console.log(`gate timeline (ms since epoch):\n${timeline.join("\n")}`);
    assert.deepEqual(
      ev.filter((e) => ["reboot", "down", "reset", "bootstrap"].includes(e.event)),
      [],
    );
    assert.equal(outputs().healthy, "healthy", "configs changed: the health check ran and passed");
    nextPreviewClean(v2);
    providerCalls();
  });

  it("(3) a Kubernetes upgrade with a DNS change: no config reaches any node and the run warns; the run after it (deployed caught up) applies the change", () => {
    const v3 = stackOf({ dns: DNS_C, kubernetes: K8S_NEXT });
    const out = run(v3, lastDeployed());
    assert.match(out, /machine-config edits\s+of running nodes wait until it finished/);
    const c = providerCalls();
    assert.deepEqual(
      c.filter((x) => ["apply", "dry-run", "update", "create", "delete"].includes(x.call) && x.type === "ConfigurationApply"),
      [],
      "no config apply touched",
    );
    const ev = events();
    assert.deepEqual(
      ev.filter((e) => e.event.startsWith("apply")),
      [],
      "no node received a config or a dry run",
    );
    for (const n of names) assert.deepEqual(nameserversOf(nodeConfig(n)), [...DNS_B].sort(), `${n} keeps its config`);
    assert.deepEqual(
      k8s.calls().map((l) => l.split(" ").slice(-2).join(" ")),
      [`--to ${K8S_NEXT.slice(1)}`],
      "the day-2 step upgraded Kubernetes",
    );
    const caughtUp = lastDeployed();
    assert.equal(caughtUp.kubernetesVersion, K8S_NEXT);

    run(v3, caughtUp);
    const ev2 = events();
    for (const n of names) {
      assert.deepEqual(
        ev2.filter((e) => e.node === n && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=NO_REBOOT dry-run=false maintenance=false"],
        n,
      );
      const cfg = nodeConfig(n);
      assert.deepEqual(nameserversOf(cfg), [...DNS_C].sort(), `${n}'s nameservers`);
      assert.match(cfg, new RegExp(`kubelet:${K8S_NEXT.replace(/\./g, "\\.")}`), `${n}'s kubelet image follows the upgrade`);
    }
    assert.deepEqual(
      ev2.filter((e) => ["reboot", "down", "reset"].includes(e.event)),
      [],
    );
    assert.equal(k8s.calls().length, 1, "no second upgrade-k8s");
    nextPreviewClean(v3);
    providerCalls();
    commands();
  });

  const unreachableCase = (name: string, role: "worker" | "controlplane") => async () => {
    let deployed = lastDeployed();
    const current = { dns: DNS_C, kubernetes: K8S_NEXT };
    await kill(name);
    const vmId = base.nodes.find((n) => n.name === name)!.vmId;
    const host = base.nodes.find((n) => n.name === name)!.host;

    // run 1: marked unreachable; nothing may contact it
    const marked = stackOf({ ...current, unreachable: [name], without: role === "controlplane" ? ["talos-wrk-02"] : [] });
    run(marked, deployed);
    const c = providerCalls();
    const mine = c.filter((x) => x.name === `${name}-config` || x.node === ipOf(name));
    assert.deepEqual(
      mine.filter((x) => !["check", "diff"].includes(x.call)),
      [],
      `the provider was asked to reach ${name}`,
    );
    // A powered-off node cannot record a refused connection, so what could reach it is checked where it
    // is named: health checks and the talosconfig the day-2 steps and the Node-object script use
    for (const h of c.filter((x) => x.call === "invoke" && x.type === "getHealth"))
      assert.ok(!JSON.stringify(h).includes(`"${ipOf(name)}"`), JSON.stringify(h));
    const tc: string = outputs().talosconfig;
    assert.ok(tc.includes(ipOf("talos-cp-01")) && !tc.includes(ipOf(name)), `the talosconfig names the nodes that answer, not ${name}`);
    assert.deepEqual(
      events().filter((e) => e.node === name && !e.event.startsWith("etcd-member-removed")),
      [],
      `${name} received nothing`,
    );
    const j = commands();
    assert.deepEqual(
      j.filter((e) => !e.ok),
      [],
    );
    assert.deepEqual(
      j
        .filter((e) => e.op === "create" || (e.op === "update" && e.name.startsWith(`${CLUSTER}-day2-`)))
        .map((e) => e.name)
        .filter((n) => n.includes(name) && !n.endsWith("-etcd-removal")),
      [],
    );
    assert.deepEqual(
      pveRequests().filter((r) => r.method !== "GET"),
      [],
      "the VM is left as it is",
    );
    if (role === "controlplane") {
      const removal = j.filter((e) => e.name === `${name}-etcd-removal`);
      assert.deepEqual(
        removal.map((e) => `${e.op} ${e.ok}`),
        ["create true"],
      );
      const removed = talos.events().filter((e) => e.node === name && e.event === "etcd-member-removed");
      assert.equal(removed.length, 1);
      assert.match(removed[0].detail, /^through talos-cp-0[12]$/, "removed through a control plane that answers");
      // the snapshot before the membership change was taken first, from a control plane that answers
      const snap = j.find((e) => e.name === `${CLUSTER}-etcd-snapshot-membership`);
      assert.ok(snap?.ok && snap.t + snap.ms <= removal[0].t, "the membership snapshot ran before the removal");
    }
    nextPreviewClean(marked);
    assert.deepEqual(
      providerCalls().filter((x) => x.name === `${name}-config` && !["check", "diff"].includes(x.call)),
      [],
    );
    deployed = lastDeployed();

    // run 2: gone from the stack file: the apply leaves the state without the provider's delete. Three
    // control planes cannot drop to two (the plan refuses an even etcd count), so a dead control plane
    // leaves with its replacement joining in the same run (see /tmp/handoff/cluster.md: README step 2)
    run(
      stackOf({ ...current, without: role === "controlplane" ? ["talos-wrk-02", name] : [name], replacement: role === "controlplane" }),
      deployed,
    );
    const c2 = providerCalls();
    assert.deepEqual(
      c2.filter((x) => x.call.startsWith("delete") || x.call === "reset-done"),
      [],
      "the provider's Delete (a reset) was not called",
    );
    assert.deepEqual(
      c2.filter((x) => x.node === ipOf(name) && !["check", "diff"].includes(x.call)),
      [],
    );
    const state = project.exportState();
    assert.ok(!state.deployment.resources.some((r: { urn: string }) => r.urn.endsWith(`::${name}-config`)), "the apply left the state");
    const j2 = commands();
    const nodeObject = j2.filter((e) => e.name === `${name}-node-object`);
    assert.deepEqual(
      nodeObject.map((e) => `${e.op} ${e.ok}`),
      ["delete true"],
    );
    assert.ok(fs.readFileSync(kubectlLog, "utf8").includes(`delete node ${name} `));
    assert.ok(
      talos.events().some((e) => e.node === name && e.event === "node-object-deleted"),
      "its Node object was deleted",
    );
    // the health check would count the leaving node: it is left to the next run
    assert.equal(outputs().healthy, "after-removal");
    assert.equal(lastDeployed().healthCheckPending, true);
    const reqs = pveRequests();
    assert.ok(
      reqs.some((r) => r.method === "DELETE" && r.path === `/nodes/${host}/qemu/${vmId}` && r.status === 200),
      `VM ${vmId} deleted: ${JSON.stringify(reqs.filter((r) => r.method !== "GET"))}`,
    );
    assert.equal(pve.state().vms[String(vmId)], undefined);
    const ev2 = events();
    assert.deepEqual(
      ev2.filter((e) => e.node === name && e.event !== "node-object-deleted"),
      [],
    );
    if (role === "controlplane") {
      // the replacement took its config in maintenance mode and joined etcd; no second bootstrap
      assert.deepEqual(
        ev2.filter((e) => e.node === CP_04.name && e.event === "apply").map((e) => e.detail),
        ["mode=AUTO resolved=REBOOT dry-run=false maintenance=true"],
      );
      assert.ok(
        ev2.some((e) => e.node === CP_04.name && e.event === "etcd-join"),
        "talos-cp-04 joined etcd",
      );
      assert.deepEqual(
        ev2.filter((e) => e.event.startsWith("bootstrap")),
        [],
      );
      // after the snapshot before the membership change
      const snap = j2.find((e) => e.name === `${CLUSTER}-etcd-snapshot-membership`);
      const cp04Vm = reqs.find((r) => r.method === "POST" && /\/qemu$/.test(r.path) && r.params.vmid === String(CP_04.vmId));
      assert.ok(snap?.ok && cp04Vm && snap.t + snap.ms <= cp04Vm.t, "the membership snapshot ran before talos-cp-04's VM was created");
    }
    previewClean();
  };

  it(
    "(4a) a worker that no longer answers: marked unreachable nothing reaches it; removed from the stack file its apply leaves the state without a reset, its Node object and VM are deleted",
    unreachableCase("talos-wrk-02", "worker"),
  );
  it(
    "(4b) a control plane that no longer answers: its etcd member is removed through another control plane; removed, its apply leaves the state without a reset, its Node object and VM are deleted",
    unreachableCase("talos-cp-03", "controlplane"),
  );
});
