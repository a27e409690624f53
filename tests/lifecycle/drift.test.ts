// Drift under the real engine (issue 16, item 4): a node rolled back out of band (here a real
// `talosctl upgrade` to the old installer, as a user or Talos's A/B fallback would leave it) is found
// by the program's read of what runs (core/day2/observe.ts, the real talosctl inside the test's
// namespace) and rolled again by its day-2 step, which the engine runs as an update; the other nodes
// are left alone. Then the step checks once more and the plan is a fixed point again.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { lowestVersion, observeTalosVersions, talosDrift } from "../../core/day2/observe";
import { talosctlArgs } from "../../core/day2/talosctl";
import { deployedStateOf } from "../../core/deployed/state";
import { installerImage } from "../../core/talos/patches";
import type { Plan } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { talosctlPath } from "../helpers/talos-standin";
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
import { execFileSync } from "node:child_process";

const CLUSTER = "drift";
const SCHEMATIC = "c".repeat(64);
const PROGRAM = `// lifecycle tier: the day-2 component with the drift the program found (tests/lifecycle/drift.test.ts)
import * as fs from "node:fs";
import { TalosUpgrade } from "./components/TalosUpgrade";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
export const done = new TalosUpgrade("${CLUSTER}-day2", {
  plan: i.plan, deployed: i.deployed, drift: i.drift, clientConfiguration: i.clientConfiguration,
  kubeconfig: i.kubeconfig, schematicId: i.schematicId, after: [],
}).done;
`;

describe("a node rolled back out of band is rolled again (real engine, real talosctl, stand-ins)", { timeout: 900_000 }, () => {
  const plan: Plan = stackPlan("lab", (c) => {
    c.clusterName = CLUSTER;
    c.versions = { ...c.versions, talos: "v1.12.1" };
  });
  const [cp, worker] = [plan.controlPlanes[0], plan.workers[0]];
  let ns: Netns;
  let talos: TalosStandin;
  let project: LifecycleProject;
  const work = tempDir("lifecycle-drift");
  const journalFile = path.join(work, "command-journal.jsonl");
  let mark = 0;
  const since = (): JournalEntry[] => {
    const all = readJournal(journalFile);
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };
  let talosMark = 0;
  const upgradesSince = () => {
    const all = talos.events();
    const out = all.slice(talosMark);
    talosMark = all.length;
    return out.filter((e) => e.event === "upgrade");
  };
  /** the real talosctl, run inside the namespace (the program's read runs it like this on a user's machine) */
  let talosctlInNs: string;
  const observe = () => observeTalosVersions(plan.nodes, talos.talosconfig, talosctlInNs, 4000);
  const setInputs = (drift: ReturnType<typeof talosDrift>) =>
    project.setInputs({
      plan,
      deployed: deployedStateOf(plan),
      drift,
      schematicId: SCHEMATIC,
      clientConfiguration: clientConfigurationOf(talos.talosconfig),
      kubeconfig: talos.kubeconfig,
    } as never);
  const upOk = () => {
    const r = project.up();
    assert.equal(r.status, 0, `pulumi up failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  before(async () => {
    buildLifecycleTools();
    ns = await Netns.start(plan.nodes.map((n) => n.ip));
    talos = await startTalos(ns, plan, { version: "v1.12.1", rebootMs: 300, readyMs: 100 });
    talosctlInNs = path.join(work, "talosctl-in-namespace");
    fs.writeFileSync(talosctlInNs, `#!/bin/sh\nexec ${ns.enter.join(" ")} "${talosctlPath()}" "$@"\n`, { mode: 0o755 });
    project = LifecycleProject.create(
      ns,
      "drift",
      { COMMAND_STANDIN_JOURNAL: journalFile, TALOSCTL: talosctlPath(), POLL_INTERVAL_MS: "150", REBOOT_TIMEOUT_S: "60" },
      { program: PROGRAM },
    );
    setInputs([]);
    upOk();
    since();
    upgradesSince();
  });
  after(() => {
    talos?.stop();
    ns?.stop();
  });

  it("no drift: every node runs what was recorded, the plan is clean", async () => {
    assert.deepEqual(await observe(), { [cp.name]: "v1.12.1", [worker.name]: "v1.12.1" });
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0);
  });

  it("the worker rolled back to v1.11.5: found, judged from v1.11.5, and only its step runs and upgrades it", async () => {
    const f = path.join(work, "talosconfig");
    fs.writeFileSync(f, talos.talosconfig, { mode: 0o600 });
    execFileSync(talosctlInNs, ["--talosconfig", f, ...talosctlArgs.upgrade(worker.ip, installerImage(SCHEMATIC, "v1.11.5"))], {
      stdio: "pipe",
    });
    let seen: Record<string, string> = {};
    for (let i = 0; i < 60 && seen[worker.name] !== "v1.11.5"; i++) {
      seen = await observe();
      await new Promise((r) => setTimeout(r, 250));
    }
    upgradesSince();
    const drift = talosDrift({ talosVersion: "v1.12.1", nodes: plan.nodes }, seen);
    assert.deepEqual(drift, [{ name: worker.name, runs: "v1.11.5", recorded: "v1.12.1" }]);
    assert.equal(lowestVersion(["v1.12.1", ...drift.map((d) => d.runs)]), "v1.11.5", "the upgrade path starts from what runs");
    setInputs(drift);
    const ops = project.previewOps();
    assert.deepEqual(
      [...ops].filter(([n]) => n.includes("-day2-")).map(([n, op]) => `${op} ${n}`),
      [`update ${CLUSTER}-day2-${worker.name}`],
      "the preview names the drifted node's step, nothing else",
    );
    upOk();
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      [`update ${CLUSTER}-day2-${worker.name} true`],
    );
    const up = upgradesSince();
    assert.deepEqual(
      up.map((e) => `${e.node} ${e.detail}`),
      [`${worker.name} ${installerImage(SCHEMATIC, "v1.12.1")}`],
    );
    assert.deepEqual(await observe(), { [cp.name]: "v1.12.1", [worker.name]: "v1.12.1" });
  });

  it("rolled again: the next run checks the node once (no upgrade), then the plan is clean", async () => {
    setInputs(talosDrift({ talosVersion: "v1.12.1", nodes: plan.nodes }, await observe()));
    upOk();
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      [`update ${CLUSTER}-day2-${worker.name} true`],
    );
    assert.deepEqual(upgradesSince(), []);
    assert.equal(project.run(["preview", "--expect-no-changes"]).status, 0);
  });
});
