// A stack whose day-2 steps were deployed in the earlier shape (versions in `triggers`, `dir` set to the
// checkout's absolute path) meets the current component: the first `up` replaces every step once (the
// SDK's replaceOnChanges on triggers, as the README says), the replacements run `create`, which only
// checks because nothing changed on the nodes, and the run after that is clean. Lab plan (one control
// plane, one worker), real engine, command provider stand-in, Talos API stand-in, real talosctl, in a
// network namespace of the test's own.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stackPlan } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";
import {
  buildLifecycleTools,
  clientConfigurationOf,
  DAY2_PROGRAM,
  LifecycleProject,
  Netns,
  readJournal,
  startTalos,
  type TalosStandin,
  talosctlWrapper,
} from "./harness";

// the earlier shape of every day-2 step, put back by a stack transformation over the current component
const LEGACY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
pulumi.runtime.registerStackTransformation((a) => {
  if (a.type !== "command:local:Command") return undefined;
  const e = a.props.environment ?? {};
  return { props: { ...a.props, dir: process.cwd(), triggers: [e.TALOS_VERSION ?? "", e.INSTALLER_IMAGE ?? "", e.KUBERNETES_VERSION ?? ""] }, opts: a.opts };
});
${DAY2_PROGRAM}`;

describe("day-2 steps deployed in the earlier shape (triggers, absolute dir), then the current component", { timeout: 600_000 }, () => {
  const plan = stackPlan("lab", (c) => {
    c.upgrade = { workerBatchSize: 1, snapshotDir: ".etcd-snapshots" };
  });
  const steps = ["etcd-snapshot", ...plan.nodes.map((n) => n.name), "kubernetes"].map((s) => `${plan.clusterName}-day2-${s}`).sort();
  let ns: Netns;
  let talos: TalosStandin;
  let p: LifecycleProject;
  let k8s: ReturnType<typeof talosctlWrapper>;
  const work = tempDir("lifecycle-transition");
  const journalFile = path.join(work, "journal.jsonl");
  let mark = 0;
  const since = () => {
    const all = readJournal(journalFile);
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };

  before(async () => {
    buildLifecycleTools();
    ns = await Netns.start(plan.nodes.map((n) => n.ip));
    talos = await startTalos(ns, plan, { version: plan.talosVersion, rebootMs: 400, readyMs: 150 });
    k8s = talosctlWrapper(work, talos.dir);
    p = LifecycleProject.create(
      ns,
      "transition",
      { COMMAND_STANDIN_JOURNAL: journalFile, TALOSCTL: k8s.path, POLL_INTERVAL_MS: "150", REBOOT_TIMEOUT_S: "120" },
      { program: LEGACY_PROGRAM },
    );
    p.setInputs({
      plan,
      schematicId: "c".repeat(64),
      clientConfiguration: clientConfigurationOf(talos.talosconfig),
      kubeconfig: talos.kubeconfig,
    });
    const r = p.up();
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(
      since()
        .map((e) => `${e.op} ${e.name} ${e.ok}`)
        .sort(),
      steps.map((s) => `create ${s} true`),
    );
  });
  after(() => {
    talos?.stop();
    ns?.stop();
  });

  it("the first `up` with the current component replaces every step once; the replacements only check (no upgrade, no upgrade-k8s); then nothing is left to do", () => {
    p.setProgram(DAY2_PROGRAM);
    const ops = p.previewOps();
    const r = p.up();
    const j = since();
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(
      [...ops]
        .filter(([n]) => n.includes("-day2-"))
        .map(([n, op]) => `${op} ${n}`)
        .sort(),
      steps.map((s) => `replace ${s}`),
    );
    assert.deepEqual(
      j
        .filter((e) => e.op === "create")
        .map((e) => `${e.name} ${e.ok}`)
        .sort(),
      steps.map((s) => `${s} true`),
      "each replacement ran `create`",
    );
    assert.deepEqual(
      j
        .filter((e) => e.op === "delete")
        .map((e) => e.name)
        .sort(),
      steps,
      "the old ones deleted (no delete command)",
    );
    assert.deepEqual(
      talos.events().filter((e) => e.event === "upgrade"),
      [],
    );
    assert.deepEqual(k8s.calls(), []);
    const again = p.run(["preview", "--expect-no-changes"]);
    assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
  });
});
