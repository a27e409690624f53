// Day 2 under the real engine: `pulumi up` again and again with the real Pulumi CLI, the real
// @pulumi/command 1.2.1 SDK (its replaceOnChanges on triggers included), the project's real
// components/TalosUpgrade.ts and tools/day2/talos-day2.ts, the real talosctl, the command provider
// stand-in (tests/standins/command: local.Command run for real, as pulumi-command 1.2.1 does) and the
// Talos API stand-in (tests/standins/talos-api), all inside a network namespace of the test's own that
// holds the plan's addresses. Assertions are on the stand-ins' journals: what the engine made the
// provider run, and what the nodes received. (These scenarios replaced tests/e2e/rolling-upgrade.test.ts,
// which ran the same steps through a hand-written model of the engine.)
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { serverTag, talosctlArgs } from "../../core/day2/talosctl";
import { installerImage } from "../../core/talos/patches";
import type { Plan } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { talosctlPath } from "../helpers/talos-standin";
import { tempDir } from "../helpers/tmp";
import {
  buildLifecycleTools,
  clientConfigurationOf,
  type Inputs,
  type JournalEntry,
  LifecycleProject,
  Netns,
  readJournal,
  startTalos,
  type TalosStandin,
  talosctlWrapper,
} from "./harness";

const STACK = "lifecycle";
const CLUSTER = "life";
const planOf = (talos: string, kubernetes: string): Plan =>
  stackPlan("homelab", (c) => {
    c.clusterName = CLUSTER;
    c.versions = { ...c.versions, talos, kubernetes };
    c.upgrade = { workerBatchSize: 2, snapshotDir: ".etcd-snapshots" };
  });
const SCHEMATIC_A = "a".repeat(64);
const SCHEMATIC_B = "b".repeat(64);
const SCHEMATIC_C = "c".repeat(64);
const SCHEMATIC_D = "d".repeat(64);
const step = (node: string) => `${CLUSTER}-day2-${node}`;

describe("day 2 under the real engine: command provider stand-in, Talos API stand-in, real talosctl", { timeout: 1_200_000 }, () => {
  const v1 = planOf("v1.11.5", "v1.34.1");
  const nodes = v1.nodes.map((n) => n.name);
  const cps = v1.controlPlanes.map((n) => n.name);
  let ns: Netns;
  let talos: TalosStandin;
  let project: LifecycleProject;
  let k8s: ReturnType<typeof talosctlWrapper>;
  const work = tempDir("lifecycle-work");
  const journalFile = path.join(work, "command-journal.jsonl");
  let mark = 0;
  /** the command provider's calls since the last `since()` */
  const since = (): JournalEntry[] => {
    const all = readJournal(journalFile);
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };
  let talosMark = 0;
  const talosSince = () => {
    const all = talos.events();
    const out = all.slice(talosMark);
    talosMark = all.length;
    return out;
  };
  const inputs = (plan: Plan, schematicId: string): Inputs => ({
    plan,
    schematicId,
    clientConfiguration: clientConfigurationOf(talos.talosconfig),
    kubeconfig: talos.kubeconfig,
  });
  const upOk = () => {
    const r = project.up();
    assert.equal(r.status, 0, `pulumi up failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const upgrades = (ev: ReturnType<typeof talosSince>) => ev.filter((e) => e.event === "upgrade");
  /** the real talosctl inside the namespace with the stand-in's own talosconfig */
  const talosctl = (args: string[]) => {
    const [cmd, ...pre] = ns.enter;
    const r = spawnSync(cmd, [...pre, talosctlPath(), "--talosconfig", path.join(talos.dir, "talosconfig"), ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `talosctl ${args.join(" ")}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    buildLifecycleTools();
    ns = await Netns.start([...new Set(v1.nodes.map((n) => n.ip))]);
    // a Node stays Ready for a second after its kubelet stopped (Kubernetes' node-monitor grace period is
    // 40 s), longer than the reboot: a Ready seen right after the reboot is the stale one
    talos = await startTalos(ns, v1, { version: "v1.11.5", rebootMs: 400, readyMs: 150, graceMs: 1000 });
    k8s = talosctlWrapper(work, talos.dir);
    project = LifecycleProject.create(ns, STACK, {
      COMMAND_STANDIN_JOURNAL: journalFile,
      TALOSCTL: k8s.path,
      POLL_INTERVAL_MS: "150",
      REBOOT_TIMEOUT_S: "120",
    });
  });
  after(() => {
    talos?.stop();
    ns?.stop();
  });

  it("(a) a fresh `up` creates every step: checks only, one baseline snapshot, no upgrade", () => {
    project.setInputs(inputs(v1, SCHEMATIC_A));
    upOk();
    const j = since();
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`).sort(),
      [step("etcd-snapshot"), ...nodes.map(step), step("kubernetes")].map((n) => `create ${n} true`).sort(),
    );
    for (const e of j) {
      assert.equal(e.dir, fs.realpathSync(project.dir), "the command provider runs in the project folder (the engine starts it there)");
      assert.ok(e.env!.includes("TALOSCONFIG_DATA") && e.env!.includes("HOMELAB_DAY2_STEP"), `${e.name}: ${e.env}`);
      assert.equal(e.previous, undefined, "a create has no previous output");
    }
    const ev = talosSince();
    assert.deepEqual(upgrades(ev), []);
    assert.equal(ev.filter((e) => e.event === "etcd-snapshot").length, 1);
    assert.equal(fs.readdirSync(path.join(project.dir, ".etcd-snapshots")).length, 1, "the snapshot is in the project's snapshotDir");
    assert.deepEqual(k8s.calls(), [], "a new cluster does not call upgrade-k8s");
    // the credentials the steps get stay secret in the state the command provider returned
    const state = project.env.PULUMI_BACKEND_URL!.replace(/^file:\/\//, "");
    const files = fs
      .readdirSync(state, { recursive: true, encoding: "utf8" })
      .map((f) => path.join(state, f))
      .filter((f) => fs.statSync(f).isFile());
    const key = clientConfigurationOf(talos.talosconfig).clientKey;
    assert.ok(files.length > 0);
    for (const f of files) assert.ok(!fs.readFileSync(f, "utf8").includes(key), `the Talos client key in plain text in ${f}`);
  });

  it("(b) nothing changed: `preview --expect-no-changes` passes, here and from a clone at another path (same backend); `refresh --expect-no-changes` too", () => {
    const here = project.run(["preview", "--expect-no-changes"]);
    assert.equal(here.status, 0, `${here.stdout}\n${here.stderr}`);
    const clone = project.clone();
    assert.notEqual(clone.dir, project.dir);
    const there = clone.run(["preview", "--expect-no-changes", "--diff"]);
    assert.equal(there.status, 0, `the clone at ${clone.dir} sees changes:\n${there.stdout}\n${there.stderr}`);
    // pulumi-command 1.2.1 has no Read of its own (infer's default gives the state back), so does the stand-in
    const refresh = project.run(["refresh", "--yes", "--expect-no-changes"]);
    assert.equal(refresh.status, 0, `${refresh.stdout}\n${refresh.stderr}`);
    assert.deepEqual(since(), [], "a preview or refresh runs nothing");
  });

  it("(e) Talos v1.11.5 -> v1.12.1: the preview shows updates; a snapshot first, then every node upgraded once, control planes one at a time each back before the next, then workers by 2 never on a stale Ready; every node reports v1.12.1", () => {
    const v2 = planOf("v1.12.1", "v1.34.1");
    project.setInputs(inputs(v2, SCHEMATIC_A));
    const ops = project.previewOps();
    upOk();
    const j = since();
    const ev = talosSince();
    assert.deepEqual(
      [...ops]
        .map(([n, op]) => `${op} ${n}`)
        .filter((x) => x.includes("-day2-"))
        .sort(),
      [step("etcd-snapshot"), ...nodes.map(step)].map((n) => `update ${n}`).sort(),
      "every node step an update, nothing replaced, Kubernetes untouched",
    );
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`).sort(),
      [step("etcd-snapshot"), ...nodes.map(step)].map((n) => `update ${n} true`).sort(),
      "each step ran its update command",
    );
    for (const e of j) assert.ok(e.previous?.includes("PULUMI_COMMAND_STDOUT"), `${e.name} got its last output`);
    const up = upgrades(ev);
    assert.equal(up.length, 7, "every node upgraded once");
    assert.ok(
      up.every((e) => e.detail === installerImage(SCHEMATIC_A, "v1.12.1")),
      JSON.stringify(up),
    );
    assert.deepEqual(
      up.slice(0, 3).map((e) => e.node),
      cps,
      "control planes first, in order",
    );
    let down = 0;
    for (const e of ev.filter((x) => x.role === "controlplane")) {
      if (e.event === "down") down++;
      if (e.event === "ready") down--;
      assert.ok(down <= 1, "two control planes down together");
    }
    const idx = (node: string, event: string) => ev.findIndex((e) => e.node === node && e.event === event);
    for (const [a, b] of [
      ["talos-wrk-01", "talos-wrk-03"],
      ["talos-wrk-02", "talos-wrk-04"],
    ])
      assert.ok(idx(a, "ready") < idx(b, "upgrade"), `${b} waits for batch 1`);
    // the snapshot of this roll was taken before the first upgrade, into the project's snapshotDir
    const snapshots = ev.map((e, i) => [e, i] as const).filter(([e]) => e.event === "etcd-snapshot");
    assert.equal(snapshots.length, 1, "one snapshot before the roll");
    assert.ok(snapshots[0][1] < ev.indexOf(up[0]), "the snapshot before the first upgrade");
    const files = fs.readdirSync(path.join(project.dir, ".etcd-snapshots"));
    assert.equal(files.length, 2, "the baseline and the one of this roll");
    for (const f of files) assert.match(f, /^life-\d{8}T\d{9}Z\.db$/);
    // each control plane starts only once the previous one is back (etcd healthy), the workers after the last
    for (const [a, b] of [
      ["talos-cp-01", "talos-cp-02"],
      ["talos-cp-02", "talos-cp-03"],
      ["talos-cp-03", "talos-wrk-01"],
      ["talos-cp-03", "talos-wrk-02"],
    ])
      assert.ok(idx(a, "ready") < idx(b, "upgrade"), `${b} starts after ${a} is back`);
    // batch 2 waited for batch 1's kubelets, not for the Ready condition they still showed after going down
    for (const w of ["talos-wrk-03", "talos-wrk-04"])
      for (const p of ["talos-wrk-01", "talos-wrk-02"]) assert.ok(idx(p, "ready") < idx(w, "upgrade"), `${w} after ${p} is back`);
    for (const n of v2.nodes) assert.equal(serverTag(talosctl(talosctlArgs.version(n.ip))), "v1.12.1", `${n.name} reports its version`);
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0, "a further preview is clean");
  });

  it("(e) an extensions-only change (new schematic, same Talos version) upgrades every node to the new installer image; a node of the second worker batch that fails stops the roll there, its batch mate finishes, and the next `up` runs only the failed node", () => {
    project.setInputs(inputs(planOf("v1.12.1", "v1.34.1"), SCHEMATIC_B));
    // the stand-in's image pull failure
    fs.writeFileSync(path.join(talos.dir, "fail-upgrade-talos-wrk-03"), "");
    const r = project.up();
    fs.rmSync(path.join(talos.dir, "fail-upgrade-talos-wrk-03"));
    const first = since();
    const firstUp = upgrades(talosSince());
    assert.notEqual(r.status, 0, "the up fails");
    assert.match(
      `${r.stdout}${r.stderr}`,
      /Talos refused the upgrade of talos-wrk-03: error validating installer image .*failed to pull image/,
    );
    assert.deepEqual(
      first.filter((e) => !e.ok).map((e) => e.name),
      [step("talos-wrk-03")],
    );
    assert.ok(
      first.some((e) => e.name === step("talos-wrk-04") && e.ok),
      "its batch mate finished",
    );
    assert.deepEqual(firstUp.map((e) => e.node).sort(), nodes.filter((n) => n !== "talos-wrk-03").sort());
    assert.deepEqual(
      [...project.previewOps()].map(([n, op]) => `${op} ${n}`).filter((x) => x.includes("-day2-")),
      [`update ${step("talos-wrk-03")}`],
      "only the failed node is left",
    );

    upOk();
    const second = since();
    const secondUp = upgrades(talosSince());
    assert.deepEqual(
      second.map((e) => `${e.op} ${e.name} ${e.ok}`),
      [`update ${step("talos-wrk-03")} true`],
    );
    assert.deepEqual(
      secondUp.map((e) => e.node),
      ["talos-wrk-03"],
    );
    const up = [...firstUp, ...secondUp];
    assert.deepEqual(up.map((e) => e.node).sort(), [...nodes].sort(), "every node upgraded exactly once");
    assert.ok(
      up.every((e) => e.detail === installerImage(SCHEMATIC_B, "v1.12.1")),
      JSON.stringify(up),
    );
  });

  it("(f) Kubernetes v1.34.1 -> v1.35.0 calls upgrade-k8s once, through the first control plane, and upgrades no node", () => {
    const before = k8s.calls().length;
    project.setInputs(inputs(planOf("v1.12.1", "v1.35.0"), SCHEMATIC_B));
    upOk();
    const j = since();
    const ev = talosSince();
    const calls = k8s.calls().slice(before);
    assert.equal(calls.length, 1, `upgrade-k8s calls: ${JSON.stringify(calls)}`);
    const ip = v1.controlPlanes[0].ip;
    assert.ok(calls[0].endsWith(`-e ${ip} -n ${ip} upgrade-k8s --to 1.35.0`), calls[0]);
    assert.deepEqual(upgrades(ev), []);
    assert.ok(j.some((e) => e.name === step("kubernetes") && e.ok));
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0);
  });

  it("(g) an upgrade failure on talos-cp-02 stops the roll there; the next `up` resumes at talos-cp-02 and does not redo talos-cp-01", () => {
    project.setInputs(inputs(planOf("v1.13.0", "v1.35.0"), SCHEMATIC_B));
    // Talos's own refusal, answered as apid answers it (inside the reply's metadata)
    const refusal =
      "error validating etcd for upgrade: etcd member 5a30ae21572cdb39 is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded";
    fs.writeFileSync(path.join(talos.dir, "fail-upgrade-talos-cp-02"), refusal);
    const r = project.up();
    const first = since();
    const firstEv = talosSince();
    fs.rmSync(path.join(talos.dir, "fail-upgrade-talos-cp-02"));
    assert.notEqual(r.status, 0, "the up fails");
    assert.ok(`${r.stdout}${r.stderr}`.includes(`Talos refused the upgrade of talos-cp-02: ${refusal}`), `${r.stdout}${r.stderr}`);
    const ran = first.map((e) => `${e.name} ${e.ok}`);
    assert.ok(ran.includes(`${step("talos-cp-01")} true`), ran.join(", "));
    assert.ok(ran.includes(`${step("talos-cp-02")} false`), ran.join(", "));
    assert.ok(
      !first.some((e) => [step("talos-cp-03"), ...v1.workers.map((w) => step(w.name))].includes(e.name)),
      "nothing after the failed node ran",
    );
    assert.deepEqual(
      upgrades(firstEv).map((e) => e.node),
      ["talos-cp-01"],
    );

    upOk();
    const second = since();
    const secondEv = talosSince();
    assert.ok(!second.some((e) => e.name === step("talos-cp-01") && e.op !== "delete"), "talos-cp-01 is not run again");
    assert.equal(second.filter((e) => e.name.includes("talos-"))[0].name, step("talos-cp-02"), "the roll resumes at talos-cp-02");
    assert.deepEqual(
      upgrades(secondEv)
        .map((e) => e.node)
        .slice(0, 2),
      ["talos-cp-02", "talos-cp-03"],
    );
    assert.equal(upgrades(secondEv).length, 6, "every node but talos-cp-01, once");
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0);
  });

  it("(h) a Talos roll and a Kubernetes upgrade in one run: upgrade-k8s starts after the whole roll; when it fails, the next `up` runs only the Kubernetes step, once", () => {
    const before = k8s.calls().length;
    project.setInputs(inputs(planOf("v1.13.0", "v1.35.1"), SCHEMATIC_C));
    k8s.failNext(true);
    const r = project.up();
    k8s.failNext(false);
    const first = since();
    const ev = talosSince();
    assert.notEqual(r.status, 0, "the up fails");
    assert.match(`${r.stdout}${r.stderr}`, /simulated upgrade-k8s failure/);
    assert.deepEqual(
      upgrades(ev)
        .map((e) => e.node)
        .sort(),
      [...nodes].sort(),
      "every node rolled to the new image first",
    );
    assert.equal(ev.filter((e) => e.event === "ready").length, 7);
    const calls = k8s.calls().slice(before);
    assert.equal(calls.length, 1, JSON.stringify(calls));
    const ip = v1.controlPlanes[0].ip;
    assert.ok(calls[0].endsWith(`-e ${ip} -n ${ip} upgrade-k8s --to 1.35.1`), calls[0]);
    const kubernetes = first.filter((e) => e.name === step("kubernetes"));
    assert.deepEqual(
      kubernetes.map((e) => `${e.op} ${e.ok}`),
      ["update false"],
    );
    const lastReady = Math.max(...ev.filter((e) => e.event === "ready").map((e) => e.t));
    assert.ok(kubernetes[0].t > lastReady, "the Kubernetes step started after the last node was back");

    upOk();
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      [`update ${step("kubernetes")} true`],
      "only the Kubernetes step ran",
    );
    assert.deepEqual(upgrades(talosSince()), []);
    assert.equal(k8s.calls().length, before + 2, "upgrade-k8s once more");
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0, "nothing left: Kubernetes is upgraded once");
  });

  it("(i) with credentials the nodes refuse (a client certificate of another CA), the roll stops at its first step and nothing is upgraded", () => {
    const dir = tempDir("lifecycle-intruder");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/O=os:admin/CN=intruder",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "crt.pem"),
      ],
      { stdio: "ignore" },
    );
    const b64 = (f: string) => fs.readFileSync(path.join(dir, f)).toString("base64");
    const good = clientConfigurationOf(talos.talosconfig);
    project.setInputs({
      ...inputs(planOf("v1.13.0", "v1.35.1"), SCHEMATIC_D),
      // the cluster's CA (talosctl trusts the nodes), a client certificate the nodes do not trust
      clientConfiguration: { caCertificate: good.caCertificate, clientCertificate: b64("crt.pem"), clientKey: b64("key.pem") },
    });
    const timeout = project.env.REBOOT_TIMEOUT_S;
    project.env.REBOOT_TIMEOUT_S = "2";
    const r = project.up();
    project.env.REBOOT_TIMEOUT_S = timeout;
    assert.notEqual(r.status, 0, "the up fails");
    // with talosctl's own reason: a TLS alert, or the connection closed under the handshake
    assert.match(
      `${r.stdout}${r.stderr}`,
      /timed out after 2s waiting for etcd before the snapshot: etcd on talos-cp-01 not healthy \(.*(rpc error|tls: |broken pipe).*\)/,
    );
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      [`update ${step("etcd-snapshot")} false`],
      "the snapshot step ran and failed, no node step ran",
    );
    assert.deepEqual(upgrades(talosSince()), []);
    // why: the nodes refuse that client certificate (the same credentials, asked directly)
    const intruderConfig = path.join(dir, "talosconfig");
    fs.writeFileSync(
      intruderConfig,
      talos.talosconfig.replace(/^(\s*crt: )\S+/m, `$1${b64("crt.pem")}`).replace(/^(\s*key: )\S+/m, `$1${b64("key.pem")}`),
    );
    const ip = v1.controlPlanes[0].ip;
    const [cmd, ...pre] = ns.enter;
    // a refused handshake shows as the server's TLS alert, or (when the client writes first) as the
    // connection closed under it; the alert names the reason, so it is asked until it does (each fails)
    const refusals: string[] = [];
    for (let k = 0; k < 5 && !refusals.some((x) => /tls: /.test(x)); k++) {
      const asked = spawnSync(cmd, [...pre, talosctlPath(), "--talosconfig", intruderConfig, ...talosctlArgs.version(ip)], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.notEqual(asked.status, 0, "the node answered a client certificate of another CA");
      refusals.push(asked.stderr);
    }
    assert.ok(
      refusals.some((x) => /tls: (certificate required|bad certificate|unknown certificate authority)/.test(x)),
      refusals.join("\n"),
    );
  });
});
