// The etcd snapshot before a control-plane change, under the real engine (issue 16, item 6): the
// project's membershipSnapshot step (components/TalosUpgrade.ts) runs tools/day2/talos-day2.ts through
// the command provider stand-in against the Talos API stand-in, and a stand-in for the control planes'
// VMs and configs depends on it, as in TalosCluster. What is asserted is what happened: which snapshot
// files existed when the "join" ran, which node the stand-in says served each snapshot, which steps the
// engine ran, and what upgrade.keepSnapshots left on disk.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Plan } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";
import {
  buildLifecycleTools,
  clientConfigurationOf,
  type JournalEntry,
  LifecycleProject,
  Netns,
  readJournal,
  startTalos,
  type TalosStandin,
} from "./harness";

const CLUSTER = "member";
const STEP = `${CLUSTER}-etcd-snapshot-membership`;
// stands for the control planes' VMs and config applies (ControlPlaneNode waits for the step the same
// way): records the control-plane set it was run for and how many snapshots existed at that moment
const PROGRAM = `// lifecycle tier: the membership snapshot step (tests/lifecycle/membership-snapshot.test.ts)
import * as fs from "node:fs";
import { local } from "@pulumi/command";
import { membershipSnapshot } from "./components/TalosUpgrade";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const snap = membershipSnapshot("${STEP}", { plan: i.plan, clientConfiguration: i.clientConfiguration }, {});
const record = 'echo "$CONTROL_PLANE_VMS $(ls .etcd-snapshots 2>/dev/null | wc -l)" >> joins.log';
new local.Command("join", {
  create: record, update: record,
  environment: { CONTROL_PLANE_VMS: i.plan.controlPlanes.map((n: any) => n.name + ":" + n.vmId).join(",") },
}, { dependsOn: [snap] });
`;

/** homelab's nodes; `extra` adds two control planes (an odd count: talos-cp-04 and -05, 192.168.0.19-20, VMs 1019-1020) */
const planOf = (opts: { extra?: boolean; cp2VmId?: number; keep?: number } = {}): Plan =>
  stackPlan("homelab", (c) => {
    c.clusterName = CLUSTER;
    c.upgrade = { workerBatchSize: 1, snapshotDir: ".etcd-snapshots", ...(opts.keep ? { keepSnapshots: opts.keep } : {}) };
    if (opts.cp2VmId) c.nodes.find((n: { name: string }) => n.name === "talos-cp-02").vmId = opts.cp2VmId;
    if (opts.extra) {
      const cp = c.nodes.find((n: { name: string }) => n.name === "talos-cp-03");
      c.nodes.push(
        { ...structuredClone(cp), name: "talos-cp-04", ip: "192.168.0.19", vmId: 1019 },
        { ...structuredClone(cp), name: "talos-cp-05", ip: "192.168.0.20", vmId: 1020 },
      );
    }
  });

describe("the etcd snapshot before a control-plane change (real engine, command and Talos API stand-ins)", { timeout: 600_000 }, () => {
  const base = planOf();
  const lab = stackPlan("lab", (c) => {
    c.clusterName = CLUSTER;
  });
  let ns: Netns;
  let talos: TalosStandin;
  let project: LifecycleProject;
  const work = tempDir("lifecycle-membership");
  const journalFile = path.join(work, "command-journal.jsonl");
  let mark = 0;
  const since = (): JournalEntry[] => {
    const all = readJournal(journalFile);
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };
  let talosMark = 0;
  const snapshotsServed = () => {
    const all = talos.events();
    const out = all.slice(talosMark);
    talosMark = all.length;
    return out.filter((e) => e.event === "etcd-snapshot").map((e) => e.node);
  };
  const joinsOf = (p: LifecycleProject) =>
    fs
      .readFileSync(path.join(p.dir, "joins.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => {
        const [cps, n] = l.split(" ");
        return { cps, snapshots: Number(n) };
      });
  const joins = () => joinsOf(project);
  const filesOf = (p: LifecycleProject) => {
    const d = path.join(p.dir, ".etcd-snapshots");
    return fs.existsSync(d) ? fs.readdirSync(d).sort() : [];
  };
  const files = () => filesOf(project);
  const upWith = (p: LifecycleProject, plan: Plan) => {
    p.setInputs({ plan, clientConfiguration: clientConfigurationOf(talos.talosconfig) } as never);
    const r = p.up();
    assert.equal(r.status, 0, `pulumi up failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const ops = (j: JournalEntry[]) => j.map((e) => `${e.op} ${e.name} ${e.ok}`);
  const env = { COMMAND_STANDIN_JOURNAL: journalFile, POLL_INTERVAL_MS: "150", REBOOT_TIMEOUT_S: "60" };

  before(async () => {
    buildLifecycleTools();
    // the homelab plan's nodes answer (the stand-in); the lab plan's addresses and those of talos-cp-04 and -05 exist, nobody listens there
    ns = await Netns.start([...new Set([...base.nodes.map((n) => n.ip), "192.168.0.19", "192.168.0.20", ...lab.nodes.map((n) => n.ip)])]);
    talos = await startTalos(ns, base, { version: "v1.11.5", rebootMs: 200, readyMs: 100 });
    project = LifecycleProject.create(ns, "membership", env, { program: PROGRAM });
  });
  after(() => {
    talos?.stop();
    ns?.stop();
  });

  it("a new cluster: the step is created, no control plane answers yet, nothing is saved; the join follows", () => {
    const fresh = LifecycleProject.create(ns, "membership-new", env, { program: PROGRAM });
    upWith(fresh, lab);
    assert.deepEqual(ops(since()).sort(), [`create ${STEP} true`, "create join true"].sort());
    assert.deepEqual(filesOf(fresh), []);
    assert.deepEqual(
      joinsOf(fresh).map((j) => j.snapshots),
      [0],
    );
    assert.deepEqual(snapshotsServed(), []);
  });

  it("a running cluster meets the step for the first time: one baseline snapshot; then a clean preview", () => {
    upWith(project, base);
    assert.deepEqual(ops(since()), [`create ${STEP} true`, "create join true"], "the step, then what waits for it");
    assert.equal(files().length, 1);
    assert.deepEqual(
      joins().map((j) => j.snapshots),
      [1],
    );
    assert.equal(snapshotsServed().length, 1);
    const r = project.run(["preview", "--expect-no-changes"]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  it("control planes join: the snapshot is taken from a running member before the join runs", () => {
    upWith(project, planOf({ extra: true }));
    assert.deepEqual(ops(since()), [`update ${STEP} true`, "update join true"]);
    assert.equal(files().length, 2);
    assert.deepEqual(
      joins().at(-1),
      { cps: "talos-cp-01:1011,talos-cp-02:1012,talos-cp-03:1013,talos-cp-04:1019,talos-cp-05:1020", snapshots: 2 },
      "the snapshot existed when the control planes changed",
    );
    const served = snapshotsServed();
    assert.equal(served.length, 1);
    assert.ok(["talos-cp-01", "talos-cp-02", "talos-cp-03"].includes(served[0]), `served by a running member, not a new node: ${served}`);
  });

  it("a control plane replaced (new vmId), then two removed: a snapshot before each change", () => {
    upWith(project, planOf({ extra: true, cp2VmId: 1022 }));
    assert.deepEqual(ops(since()), [`update ${STEP} true`, "update join true"]);
    assert.equal(joins().at(-1)!.snapshots, 3);
    upWith(project, planOf({ cp2VmId: 1022 }));
    assert.deepEqual(ops(since()), [`update ${STEP} true`, "update join true"]);
    assert.equal(joins().at(-1)!.snapshots, 4);
    assert.equal(snapshotsServed().length, 2);
  });

  it("upgrade.keepSnapshots: the oldest go, the newest stay", () => {
    const before_ = files();
    upWith(project, planOf({ cp2VmId: 1012, keep: 2 }));
    const now = files();
    assert.equal(now.length, 2);
    assert.deepEqual(now, [...before_, now.at(-1)!].slice(-2), "the two newest are kept");
    for (const f of now) assert.match(f, new RegExp(`^${CLUSTER}-\\d{8}T\\d{9}Z\\.db$`));
    assert.equal(
      fs.statSync(path.join(project.dir, ".etcd-snapshots", now[1])).mode & 0o777,
      0o600,
      "a snapshot holds every secret of the cluster: owner only",
    );
    const r = project.run(["preview", "--expect-no-changes"]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});
