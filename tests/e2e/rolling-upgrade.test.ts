// The real talosctl and the program's real day-2 steps (tools/day2/talos-day2.ts, as captured from the
// components) through a full rolling upgrade of a homelab copy, against the Talos machine-API stand-in.
// Scope: Talos upgrade, etcd gates, snapshot, readiness; `talosctl upgrade-k8s` needs Talos's resource
// API and a real Kubernetes API server, so the Kubernetes step is not run here (its arguments are
// unit-tested, its place in the graph is tested under mocks).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";
import { serverTag, talosctlArgs } from "../../core/day2/talosctl";
import { captureSteps, diff, type StepState, up } from "../helpers/day2-harness";
import { stackPlan } from "../helpers/stacks";
import { buildDay2Tools, toLoopback, translateAddresses, type Standin, startStandin, talosctlPath } from "../helpers/talos-standin";

// the plan keeps its addresses; the steps reach the stand-in's nodes on loopback (same last octet)
const NAT = { translate: translateAddresses };

const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-snapshots-"));
const homelabCopy = (talos: string) =>
  stackPlan("homelab", (c) => {
    c.clusterName = "rolltest";
    c.versions = { ...c.versions, talos };
    c.upgrade = { workerBatchSize: 2, snapshotDir };
  });
const before_ = homelabCopy("v1.11.5");
const deployed = deployedStateOf(before_);
const after_ = resolveContract(homelabCopy("v1.12.1"), deployed);

describe("rolling upgrade with the real talosctl against the Talos API stand-in", { timeout: 900_000 }, () => {
  let standin: Standin;
  let env: Record<string, string>;
  const state: StepState = new Map();

  before(async () => {
    buildDay2Tools();
    // the kubelet is back 3 s after the node (as on a real node, which starts containerd, pulls and
    // registers), and a Node stays Ready for 5 s after its kubelet stopped (Kubernetes' node-monitor
    // grace period is 40 s): a Ready seen right after the reboot is the stale one
    standin = await startStandin(before_, { version: "v1.11.5", rebootMs: 1000, readyMs: 3000, graceMs: 5000 });
    env = {
      TALOSCONFIG_DATA: standin.talosconfig,
      KUBECONFIG_DATA: standin.kubeconfig,
      TALOSCTL: talosctlPath(),
      POLL_INTERVAL_MS: "200",
      REBOOT_TIMEOUT_S: "60",
    };
  });
  after(() => {
    standin?.stop();
    fs.rmSync(snapshotDir, { recursive: true, force: true });
  });

  it("first `up` of the cluster: every step is a create that only checks (no upgrade; a baseline snapshot)", async () => {
    const steps = await captureSteps(before_);
    const r = await up(steps, state, env, NAT);
    assert.equal(r.failed, undefined, r.failed?.stderr);
    assert.equal(r.runs.length, 9);
    assert.ok(r.runs.every((x) => x.mode === "create"));
    assert.deepEqual(
      standin.events().filter((e) => e.event === "upgrade"),
      [],
    );
    assert.equal(standin.events().filter((e) => e.event === "etcd-snapshot").length, 1);
    assert.deepEqual(diff(steps, state), [], "a second run has nothing to do");
  });

  it("the preview of v1.11.5 -> v1.12.1 lists the snapshot and every node as updates, Kubernetes unchanged", async () => {
    const steps = await captureSteps(after_, deployed);
    assert.deepEqual(
      diff(steps, state)
        .map((d) => `${d.mode} ${d.step.name}`)
        .sort(),
      ["update rolltest-day2-etcd-snapshot", ...before_.nodes.map((n) => `update rolltest-day2-${n.name}`)].sort(),
    );
  });

  it("a failing node stops the roll there; the next `up` resumes at that node", async () => {
    const steps = await captureSteps(after_, deployed);
    fs.writeFileSync(path.join(standin.dir, "fail-upgrade-talos-wrk-03"), "");
    const first = await up(steps, state, env, NAT);
    assert.equal(first.failed?.name, "rolltest-day2-talos-wrk-03");
    assert.match(
      first.failed!.stderr,
      /Talos refused the upgrade of talos-wrk-03: error validating installer image .*failed to pull image/,
    );
    assert.equal(
      first.runs.some((r) => r.name.endsWith("talos-wrk-04") && r.ok),
      true,
      "its batch mate finished",
    );
    assert.deepEqual(
      diff(steps, state).map((d) => d.step.name),
      ["rolltest-day2-talos-wrk-03"],
      "only the failed node is left",
    );

    fs.rmSync(path.join(standin.dir, "fail-upgrade-talos-wrk-03"));
    const second = await up(steps, state, env, NAT);
    assert.equal(second.failed, undefined, second.failed?.stderr);
    assert.deepEqual(
      second.runs.map((r) => r.name),
      ["rolltest-day2-talos-wrk-03"],
    );
  });

  it("the stand-in saw: snapshot first, one control plane at a time with etcd healthy between, workers in batches of 2 after them", () => {
    const ev = standin.events();
    const idx = (node: string, event: string) => ev.findIndex((e) => e.node === node && e.event === event);
    const upgrades = ev.filter((e) => e.event === "upgrade");
    const snaps = ev
      .map((e, i) => [e, i] as const)
      .filter(([e]) => e.event === "etcd-snapshot")
      .map(([, i]) => i);
    assert.equal(snaps.length, 2, "the baseline and the one of this roll");
    assert.ok(snaps[1] < ev.indexOf(upgrades[0]), "snapshot before the first upgrade");
    assert.deepEqual(
      upgrades.map((e) => e.node),
      ["talos-cp-01", "talos-cp-02", "talos-cp-03", ...upgrades.slice(3).map((e) => e.node)],
    );
    assert.equal(upgrades.length, 7, "every node upgraded exactly once, the resumed one included");
    for (const [a, b] of [
      ["talos-cp-01", "talos-cp-02"],
      ["talos-cp-02", "talos-cp-03"],
    ])
      assert.ok(idx(a, "ready") < idx(b, "upgrade"), `${b} starts after ${a} is back`);
    for (const w of ["talos-wrk-01", "talos-wrk-02"]) assert.ok(idx("talos-cp-03", "ready") < idx(w, "upgrade"));
    for (const w of ["talos-wrk-03", "talos-wrk-04"])
      for (const p of ["talos-wrk-01", "talos-wrk-02"])
        assert.ok(
          idx(p, "ready") < idx(w, "upgrade"),
          `${w} after batch 1 is back (kubelet re-registered, uncordoned), not on a stale Ready`,
        );
    // never two control planes down at once
    let down = 0;
    for (const e of ev.filter((x) => x.role === "controlplane")) {
      if (e.event === "down") down++;
      if (e.event === "ready") down--;
      assert.ok(down <= 1);
    }
    const files = fs.readdirSync(snapshotDir);
    assert.equal(files.length, 2);
    for (const f of files) assert.match(f, /^rolltest-\d{8}T\d{9}Z\.db$/);
  });

  it("with credentials the nodes refuse, the roll stops at its first step and nothing is upgraded", async () => {
    const before = standin.events().filter((e) => e.event === "upgrade").length;
    // a talosconfig whose client key does not match its certificate
    const bogus = standin.talosconfig.replace(
      /key: (\S+)/,
      (_, k: string) =>
        `key: ${Buffer.from(
          Buffer.from(k, "base64")
            .toString()
            .replace(/[A-Za-z]/g, (c) => (c === "A" ? "B" : "A")),
        ).toString("base64")}`,
    );
    assert.notEqual(bogus, standin.talosconfig);
    const steps = await captureSteps(homelabCopy("v1.12.1"), deployed);
    const r = await up(steps, new Map(), { ...env, TALOSCONFIG_DATA: bogus, REBOOT_TIMEOUT_S: "2" }, NAT);
    assert.equal(r.failed?.name, "rolltest-day2-etcd-snapshot");
    assert.match(r.failed!.stderr, /timed out .* etcd before the snapshot/);
    assert.equal(r.runs.length, 1);
    assert.equal(standin.events().filter((e) => e.event === "upgrade").length, before);
  });

  it("every node reports v1.12.1 to talosctl, and a further `up` only checks", async () => {
    for (const n of after_.nodes) {
      const out = execFileSync(
        talosctlPath(),
        ["--talosconfig", path.join(standin.dir, "talosconfig"), ...talosctlArgs.version(toLoopback(n.ip))],
        { encoding: "utf8" },
      );
      assert.equal(serverTag(out), "v1.12.1", n.name);
    }
    const steps = await captureSteps(after_, deployed);
    assert.deepEqual(diff(steps, state), []);
  });
});

// `talosctl upgrade-k8s` needs Talos's resource API and a real Kubernetes API, which the stand-in does
// not speak; here talosctl is wrapped so that upgrade-k8s only records its call (and fails on demand),
// while every other call goes to the real talosctl and the stand-in.
describe("Talos and Kubernetes in one run: Kubernetes once, after the Talos roll", { timeout: 900_000 }, () => {
  let standin: Standin;
  let env: Record<string, string>;
  const state: StepState = new Map();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-wrap-"));
  const calls = path.join(tmp, "upgrade-k8s.log");
  const plan = (talos: string, kubernetes: string) =>
    stackPlan("homelab", (c) => {
      c.clusterName = "k8stest";
      c.versions = { ...c.versions, talos, kubernetes };
      c.upgrade = { workerBatchSize: 4, snapshotDir: tmp };
    });
  const v1 = plan("v1.12.1", "v1.34.1");
  const v2 = resolveContract(plan("v1.13.0", "v1.35.0"), deployedStateOf(v1));

  before(async () => {
    buildDay2Tools();
    const wrapper = path.join(tmp, "talosctl");
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh
for a in "$@"; do
  if [ "$a" = upgrade-k8s ]; then
    echo "$(date +%s%3N) $*" >> "${calls}"
    [ -e "${tmp}/fail-k8s" ] && { echo "simulated upgrade-k8s failure" >&2; exit 1; }
    echo "upgrade-k8s done"; exit 0
  fi
done
exec "${talosctlPath()}" "$@"
`,
      { mode: 0o755 },
    );
    standin = await startStandin(v1, { version: "v1.12.1", rebootMs: 500, readyMs: 200 });
    env = {
      TALOSCONFIG_DATA: standin.talosconfig,
      KUBECONFIG_DATA: standin.kubeconfig,
      TALOSCTL: wrapper,
      POLL_INTERVAL_MS: "200",
      REBOOT_TIMEOUT_S: "60",
    };
    const created = await up(await captureSteps(v1), state, env, NAT);
    assert.equal(created.failed, undefined, created.failed?.stderr);
  });
  after(() => {
    standin?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const k8sCalls = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean) : []);

  it("a new cluster does not call upgrade-k8s", () => assert.deepEqual(k8sCalls(), []));

  it("a failed upgrade-k8s stops after the whole Talos roll; the next `up` runs only it, once", async () => {
    const steps = await captureSteps(v2, deployedStateOf(v1));
    fs.writeFileSync(path.join(tmp, "fail-k8s"), "");
    const first = await up(steps, state, env, NAT);
    assert.equal(first.failed?.name, "k8stest-day2-kubernetes");
    assert.equal(k8sCalls().length, 1);
    const [at, ...args] = k8sCalls()[0].split(" ");
    assert.deepEqual(args.slice(-7), ["-e", "127.0.0.11", "-n", "127.0.0.11", "upgrade-k8s", "--to", "1.35.0"]);
    const lastReady = Math.max(
      ...standin
        .events()
        .filter((e) => e.event === "ready")
        .map((e) => e.t),
    );
    assert.equal(standin.events().filter((e) => e.event === "ready").length, 7, "every node rolled to v1.13.0 first");
    assert.ok(Number(at) > lastReady, "upgrade-k8s started after the last node was back");

    fs.rmSync(path.join(tmp, "fail-k8s"));
    const second = await up(steps, state, env, NAT);
    assert.equal(second.failed, undefined, second.failed?.stderr);
    assert.deepEqual(
      second.runs.map((r) => r.name),
      ["k8stest-day2-kubernetes"],
    );
    assert.equal(k8sCalls().length, 2);
    assert.deepEqual(diff(steps, state), [], "nothing left: Kubernetes is upgraded once");
  });
});
