// The command provider stand-in (tests/standins/command) under the real engine and the real
// @pulumi/command 1.2.1 SDK, on a probe resource: what pulumi-command 1.2.1's local.Command does
// (provider/pkg/provider/local/commandController.go, commandOutputs.go), so the day-2 tests run on
// those semantics: create with stdin and environment, update with the last output in
// PULUMI_COMMAND_STDOUT, a failed update keeping the old state, a trigger change replacing (the SDK's
// replaceOnChanges: create the new one, then delete the old one with its last output), destroy.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../helpers/tmp";
import { buildLifecycleTools, type JournalEntry, LifecycleProject, Netns, readJournal } from "./harness";

const PROGRAM = `// lifecycle tier: a probe of the command provider (tests/lifecycle/command-standin.test.ts)
import * as fs from "node:fs";
import { local } from "@pulumi/command";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const probe = new local.Command("probe", {
  create: 'printf "created %s from %s\\n" "$VALUE" "$(cat)"',
  update: 'printf "updated %s after [%s]" "$VALUE" "$PULUMI_COMMAND_STDOUT"; [ "$VALUE" != fail ] || { echo "refused $VALUE" >&2; exit 3; }',
  delete: 'printf "deleted after [%s]\\\\n" "$PULUMI_COMMAND_STDOUT" >> "$DELETE_LOG"',
  stdin: "the stdin",
  environment: { VALUE: i.value, DELETE_LOG: i.deleteLog },
  triggers: [i.trigger],
});
export const stdout = probe.stdout;
`;

describe("the command provider stand-in under the real engine and the real @pulumi/command SDK", { timeout: 300_000 }, () => {
  let ns: Netns;
  let p: LifecycleProject;
  const work = tempDir("lifecycle-probe");
  const journalFile = path.join(work, "journal.jsonl");
  const deleteLog = path.join(work, "deleted.log");
  let mark = 0;
  const since = (): JournalEntry[] => {
    const all = readJournal(journalFile);
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };
  const set = (value: string, trigger: number) => p.setInputs({ value, trigger, deleteLog } as never);
  const output = () => JSON.parse(p.must(["stack", "output", "--json", "--show-secrets", "--stack", p.stack])).stdout;

  before(async () => {
    buildLifecycleTools();
    ns = await Netns.start([]);
    p = LifecycleProject.create(ns, "probe", { COMMAND_STANDIN_JOURNAL: journalFile }, { program: PROGRAM });
  });
  after(() => ns?.stop());

  it("create runs `create` with stdin and environment, in the project folder; stdout without its last newline", () => {
    set("a", 1);
    p.must(["up", "--yes", "--skip-preview"]);
    const j = since();
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`),
      ["create probe true"],
    );
    assert.deepEqual(j[0].env, ["DELETE_LOG", "VALUE"]);
    assert.equal(j[0].dir, fs.realpathSync(p.dir));
    assert.equal(output(), "created a from the stdin");
  });

  it("an environment change is an update: `update` runs with the last stdout in PULUMI_COMMAND_STDOUT", () => {
    set("b", 1);
    p.must(["up", "--yes", "--skip-preview"]);
    const j = since();
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`),
      ["update probe true"],
    );
    assert.deepEqual(j[0].previous, ["PULUMI_COMMAND_STDOUT"]);
    assert.equal(output(), "updated b after [created a from the stdin]");
  });

  it("a failed update fails the `up` with the command's output and keeps the old state", () => {
    set("fail", 1);
    const r = p.up();
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /refused fail/);
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      ["update probe false"],
    );
    assert.equal(output(), "updated b after [created a from the stdin]");
    assert.notEqual(p.run(["preview", "--expect-no-changes"]).status, 0, "the next preview still shows the change");
  });

  it("a trigger change replaces (the SDK's replaceOnChanges): the new one created without a previous output, then the old one deleted with its own", () => {
    set("c", 2);
    const steps: { op: string; urn: string }[] = JSON.parse(p.must(["preview", "--json"])).steps;
    assert.ok(
      steps.some((s) => s.op === "replace" && s.urn.endsWith("::probe")),
      JSON.stringify(steps.map((s) => s.op)),
    );
    p.must(["up", "--yes", "--skip-preview"]);
    const j = since();
    assert.deepEqual(
      j.map((e) => `${e.op} ${e.name} ${e.ok}`),
      ["create probe true", "delete probe true"],
    );
    assert.equal(j[0].previous, undefined);
    assert.equal(output(), "created c from the stdin");
    assert.equal(fs.readFileSync(deleteLog, "utf8"), "deleted after [updated b after [created a from the stdin]]\n");
  });

  it("destroy runs `delete` with the last stdout", () => {
    p.must(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(
      since().map((e) => `${e.op} ${e.name} ${e.ok}`),
      ["delete probe true"],
    );
    assert.equal(fs.readFileSync(deleteLog, "utf8").trim().split("\n").pop(), "deleted after [created c from the stdin]");
  });
});
