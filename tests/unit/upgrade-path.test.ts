// Upgrade paths and the config contract, judged against what the stack last deployed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";
import { transitionProblems } from "../../core/deployed/transitions";
import { upgradePathProblems } from "../../core/day2/upgrade-path";
import { talosInstallerAccepts } from "../../core/versions";
import { nodePatchDocuments } from "../../core/talos/patches";
import { problemsOf, stackPlan } from "../helpers/stacks";

const homelab = stackPlan("homelab"); // Talos v1.11.5, Kubernetes v1.34.1
const running = deployedStateOf(homelab);
const withVersions = (v: Record<string, string>) =>
  stackPlan("homelab", (c) => {
    Object.assign(c.versions, v);
  });
const keys = (ps: { key: string }[]) => ps.map((p) => p.key).sort();

describe("upgrade paths (transition rules)", () => {
  it("adjacent minors, patch steps and an unchanged cluster pass", () => {
    assert.deepEqual(transitionProblems(homelab, running), []);
    assert.deepEqual(transitionProblems(withVersions({ talos: "v1.12.1" }), running), []);
    assert.deepEqual(transitionProblems(withVersions({ talos: "v1.12.1", kubernetes: "v1.35.0" }), running), []);
    assert.deepEqual(upgradePathProblems({ talos: "v1.11.3" }, { talos: "v1.11.5" }), []);
  });

  it("a skipped Talos minor names versions.talos and the minor to go through", () => {
    const ps = transitionProblems(withVersions({ talos: "v1.13.0", kubernetes: "v1.34.1" }), running);
    assert.deepEqual(keys(ps), ["homelab:versions.talos"]);
    assert.match(ps[0].message, /v1\.11\.5 -> v1\.13\.0 skips Talos 1\.12/);
    assert.match(ps[0].fix, /latest patch of Talos 1\.12/);
  });

  it("Talos and Kubernetes downgrades name their keys", () => {
    const ps = transitionProblems(withVersions({ talos: "v1.11.3", kubernetes: "v1.33.2" }), running);
    assert.deepEqual(keys(ps), ["homelab:versions.kubernetes", "homelab:versions.talos"]);
    assert.ok(ps.every((p) => /downgrade/.test(p.message)));
  });

  it("a skipped Kubernetes minor names versions.kubernetes", () => {
    const ps = upgradePathProblems({ talos: "v1.12.1", kubernetes: "v1.33.0" }, { talos: "v1.12.1", kubernetes: "v1.35.0" });
    assert.deepEqual(keys(ps), ["homelab:versions.kubernetes"]);
    assert.match(ps[0].message, /skips Kubernetes 1\.34/);
  });

  it("Kubernetes outside the target Talos range: the new version, and the running one (Talos goes first)", () => {
    const newOutside = upgradePathProblems({ talos: "v1.12.1", kubernetes: "v1.35.0" }, { talos: "v1.12.1", kubernetes: "v1.36.0" });
    assert.deepEqual(keys(newOutside), ["homelab:versions.kubernetes"]);
    assert.match(newOutside[0].message, /outside Talos 1\.12's range \(v1\.30 to v1\.35\)/);
    // 1.11 + k8s 1.29 -> 1.12 (supports 1.30-1.35): the nodes would run 1.29 on Talos 1.12 during the roll
    const runningOutside = upgradePathProblems({ talos: "v1.11.5", kubernetes: "v1.29.4" }, { talos: "v1.12.1", kubernetes: "v1.30.0" });
    assert.deepEqual(keys(runningOutside), ["homelab:versions.talos"]);
    assert.match(runningOutside[0].fix, /first upgrade Kubernetes to v1\.30/);
  });

  it("every problem of one change is reported at once", () => {
    const ps = upgradePathProblems(
      { talos: "v1.11.5", kubernetes: "v1.34.1", talosConfig: "v1.11.5" },
      { talos: "v1.13.0", kubernetes: "v1.32.0", talosConfig: "v1.12.0" },
    );
    assert.deepEqual(keys(ps), ["homelab:versions.kubernetes", "homelab:versions.talos", "homelab:versions.talosConfig"]);
  });
});

describe("config contract", () => {
  it("defaults to the deployed contract, not to the new Talos version", () => {
    const upgraded = resolveContract(withVersions({ talos: "v1.12.1" }), running);
    assert.equal(upgraded.talosVersion, "v1.12.1");
    assert.equal(upgraded.configTalosVersion, "v1.11.5");
    assert.equal(upgraded.configTalosMinor, "1.11");
    // a new stack: the installed version
    assert.equal(resolveContract(withVersions({ talos: "v1.12.1" }), undefined).configTalosVersion, "v1.12.1");
  });

  it("versions.talosConfig wins, and is refused when newer than versions.talos", () => {
    const set = stackPlan("homelab", (c) => {
      c.versions = { ...c.versions, talos: "v1.12.1", talosConfig: "v1.12.0" };
    });
    assert.equal(resolveContract(set, running).configTalosVersion, "v1.12.0");
    const ps = problemsOf((c) => {
      c.versions.talosConfig = "v1.12.0";
    });
    assert.deepEqual(
      ps.map((p) => p.key),
      ["homelab:versions.talosConfig"],
    );
    assert.deepEqual(
      problemsOf((c) => {
        c.versions.talosConfig = "latest";
      }).map((p) => p.key),
      ["homelab:versions.talosConfig"],
    );
  });

  it("raising the contract in the same run as the upgrade is refused; lowering it too", () => {
    const raised = stackPlan("homelab", (c) => {
      c.versions = { ...c.versions, talos: "v1.12.1", talosConfig: "v1.12.1" };
    });
    assert.deepEqual(keys(transitionProblems(raised, running)), ["homelab:versions.talosConfig"]);
    const after = { ...running, talosVersion: "v1.12.1" };
    assert.deepEqual(transitionProblems(raised, after), []);
    const lowered = stackPlan("homelab", (c) => {
      c.versions = { ...c.versions, talos: "v1.12.1", talosConfig: "v1.11.5" };
    });
    assert.deepEqual(keys(transitionProblems(lowered, { ...running, configTalosVersion: "v1.12.0", talosVersion: "v1.12.1" })), [
      "homelab:versions.talosConfig",
    ]);
  });

  it("patches follow the contract: an upgrade to 1.12 keeps the 1.11 document forms, the installer follows versions.talos", () => {
    const upgraded = resolveContract(withVersions({ talos: "v1.12.1" }), running);
    const docs = nodePatchDocuments(upgraded, upgraded.controlPlanes[0], "abc");
    assert.equal(docs.length, 1, "no 1.12-only documents while the contract is 1.11");
    const machine = docs[0].machine as Record<string, any>;
    assert.ok(machine.network?.interfaces?.[0]?.vip, "VIP stays in the v1alpha1 form a 1.11 node accepts");
    assert.equal(machine.install.image, "factory.talos.dev/nocloud-installer/abc:v1.12.1");
    const fresh = withVersions({ talos: "v1.12.1", kubernetes: "v1.35.0" });
    assert.ok(nodePatchDocuments(fresh, fresh.controlPlanes[0], "abc").some((d) => d.kind === "Layer2VIPConfig"));
  });
});

describe("Talos steps against Talos's own support matrix (core/versions)", () => {
  it("1.11 -> 1.13 stays refused although 1.13's installer takes 1.11 nodes: Talos tests migrations only between adjacent minors", () => {
    assert.equal(talosInstallerAccepts("v1.13.0", "v1.11.5"), true, "Talos's table takes the jump (MinimumHostUpgradeVersion 1.11.0)");
    const ps = upgradePathProblems({ talos: "v1.11.5", kubernetes: "v1.34.1" }, { talos: "v1.13.0", kubernetes: "v1.34.1" });
    assert.deepEqual(keys(ps), ["homelab:versions.talos"]);
    assert.match(ps[0].message, /skips Talos 1\.12; .*installer may take the jump.*only from one minor to the next/);
  });
  it("a step the target's installer itself refuses says so, with the versions it takes", () => {
    // 1.12's installer takes nodes from 1.10.0 (Talos's TestTalosUpgradeCompatibility112: 1.9.0 is too old)
    const ps = upgradePathProblems({ talos: "v1.9.6" }, { talos: "v1.12.1" });
    assert.deepEqual(keys(ps), ["homelab:versions.talos"]);
    assert.match(ps[0].message, /Talos 1\.12's installer refuses a node on v1\.9\.6 \(it takes from 1\.10\.0, below 1\.14\.0\)/);
    assert.match(ps[0].fix, /latest patch of Talos 1\.10/);
  });
  it("the Kubernetes range of the target comes from Talos's table, patch-exact", () => {
    // Talos 1.12: MinimumKubernetesVersion 1.30.0, MaximumKubernetesVersion 1.35.99 (exclusive)
    assert.deepEqual(upgradePathProblems({ talos: "v1.12.1", kubernetes: "v1.35.0" }, { talos: "v1.12.1", kubernetes: "v1.35.98" }), []);
    const ps = upgradePathProblems({ talos: "v1.12.1", kubernetes: "v1.35.0" }, { talos: "v1.12.1", kubernetes: "v1.35.99" });
    assert.match(ps[0].message, /outside Talos 1\.12's range \(v1\.30 to v1\.35\)/);
  });
});
