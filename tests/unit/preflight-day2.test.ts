// Preflight day-2 checks: version steps against a deployed-state file, talosctl presence and skew.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { main } from "../../preflight/cli";
import { day2Checks } from "../../preflight/day2";
import { deployedStateOf } from "../../core/deployed/state";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";

function project(edit: (t: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-day2-"));
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.cpSync(path.join(PROJECT_DIR, "policies", "config"), path.join(dir, "policies", "config"), { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.homelab.yaml"), edit(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), "utf8")));
  // what `pulumi stack output deployed --json` prints for the homelab stack as shipped
  fs.writeFileSync(path.join(dir, "deployed.json"), JSON.stringify(deployedStateOf(stackPlan("homelab")), null, 2));
  return dir;
}
const run = (dir: string, ...flags: string[]) => main(["homelab", "--out", path.join(dir, "out"), "--json", ...flags], dir);

describe("preflight day-2 checks", () => {
  it("refuses a skipped Talos minor against the deployed state, with the key (exit 1)", () => {
    const dir = project((t) => t.replace("talos: v1.11.5", "talos: v1.13.0"));
    const r = run(dir, "--deployed", "deployed.json");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.problems.map((p: { key: string }) => p.key),
      ["homelab:versions.talos"],
    );
    assert.match(report.problems[0].message, /skips Talos 1\.12/);
    // without the deployed state the same stack file is fine on its own
    assert.equal(run(dir).code, 0);
  });

  it("an adjacent step passes and the notes say what the next `pulumi up` will roll", () => {
    const dir = project((t) => t.replace("talos: v1.11.5", "talos: v1.12.1").replace("kubernetes: v1.34.1", "kubernetes: v1.35.0"));
    const r = run(dir, "--deployed", "deployed.json");
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      JSON.parse(r.stdout).notes.join("\n"),
      /Talos v1\.11\.5 -> v1\.12\.1 .*Kubernetes v1\.34\.1 -> v1\.35\.0; machine configs stay on contract v1\.11\.5/,
    );
  });

  it("edits the running cluster cannot take are refused with their keys, all at once; ones that hurt are advised with theirs", () => {
    const dir = project((t) =>
      t
        .replace("{ name: talos-wrk-01, role: worker,", "{ name: talos-wrk-01, role: controlplane,")
        .replace("{ name: talos-wrk-02, role: worker,", "{ name: talos-wrk-02, role: controlplane,")
        .replace("podCidr: 10.20.0.0/16", "podCidr: 10.30.0.0/16")
        .replace(
          "{ name: talos-cp-01, role: controlplane, ip: 192.168.0.11, vmId: 1011, host: pve1, cpu: 4, memoryGiB: 8, osDiskGB: 50 }",
          "{ name: talos-cp-01, role: controlplane, ip: 192.168.0.11, vmId: 1011, host: pve1, cpu: 6, memoryGiB: 8, osDiskGB: 80 }",
        )
        .replace("homelab:kubePrismPort: 7445", "homelab:kubePrismPort: 7445\n  homelab:upgrade: { workerBatchSize: 2 }")
        .replace("mode: vip\n    vip: 192.168.0.200", "mode: kubeprism"),
    );
    const r = run(dir, "--deployed", "deployed.json");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.problems.map((p: { key: string }) => p.key).sort(), [
      "homelab:network.podCidr",
      "homelab:nodes[0].osDiskGB",
      "homelab:nodes[3].role",
      "homelab:nodes[4].role",
    ]);
    assert.ok(report.problems.every((p: { fix: string }) => p.fix.length > 0));
    const advised = report.advisories.filter((a: { rule: string }) => a.rule === "running-cluster-changes");
    assert.deepEqual(advised.map((a: { key: string }) => a.key).sort(), ["homelab:endpoint.mode", "homelab:upgrade.workerBatchSize"]);
    // the stack file on its own is fine: only the running cluster makes these edits wrong
    const alone = JSON.parse(run(dir).stdout);
    assert.deepEqual(alone.problems, []);
    assert.match(alone.notes.join("\n"), /edits to the running cluster are not checked/);
  });

  it("an unreadable deployed file is exit 2", () => {
    const dir = project((t) => t);
    fs.writeFileSync(path.join(dir, "bad.json"), "[1,2");
    assert.equal(run(dir, "--deployed", "bad.json").code, 2);
    assert.equal(run(dir, "--deployed", "missing.json").code, 2);
  });

  it("talosctl: missing, within one minor, too far", () => {
    const plan = stackPlan("homelab");
    const deployed = deployedStateOf(plan);
    assert.match(day2Checks(plan, deployed, {}).notes.join(), /talosctl not found/);
    assert.doesNotMatch(day2Checks(plan, deployed, { path: "/x/talosctl", version: "v1.12.1" }).notes.join(), /talosctl/);
    assert.match(
      day2Checks(plan, deployed, { path: "/x/talosctl", version: "v1.13.0" }).notes.join(),
      /talosctl v1\.13\.0 at \/x\/talosctl is more than one minor from the cluster's Talos v1\.11\.5/,
    );
  });
});
