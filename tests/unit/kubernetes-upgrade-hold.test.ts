// While a Kubernetes upgrade is under way, running nodes keep their applied machine config (issue 16,
// item 5): configs are rendered for the recorded Kubernetes version until `talosctl upgrade-k8s`
// finished, and applying them in between would take moved nodes back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveContract } from "../../core/deployed/contract";
import { configEditsHeld, heldConfigAdvice } from "../../core/deployed/rollout";
import { deployedStateOf } from "../../core/deployed/state";
import { problemsOf, stackPlan } from "../helpers/stacks";

const running = deployedStateOf(stackPlan("homelab"));
const withKubernetes = (v: string) =>
  stackPlan("homelab", (c) => {
    c.versions = { ...c.versions, kubernetes: v };
  });

describe("machine-config edits during a Kubernetes upgrade", () => {
  it("a new stack, and a running one on the stack file's version, apply edits at once", () => {
    assert.equal(configEditsHeld(resolveContract(stackPlan("homelab"), undefined)), false);
    assert.equal(configEditsHeld(resolveContract(stackPlan("homelab"), running)), false);
    assert.equal(heldConfigAdvice(resolveContract(stackPlan("homelab"), running)), undefined);
  });

  it("a newer Kubernetes in the stack file than the last `up` recorded holds them, and says until when", () => {
    const plan = resolveContract(withKubernetes("v1.34.4"), running);
    assert.equal(plan.configKubernetesVersion, running.kubernetesVersion, "configs stay on the recorded version");
    assert.equal(configEditsHeld(plan), true);
    const advice = heldConfigAdvice(plan)!;
    assert.match(advice, /^versions\.kubernetes: /, "names the key");
    assert.ok(advice.includes(`${running.kubernetesVersion} -> v1.34.4`), advice);
    assert.match(advice, /The `pulumi up` after the upgrade applies them/);
  });

  it("once the upgrade is recorded, the configs catch up and nothing is held", () => {
    const after = deployedStateOf(resolveContract(withKubernetes("v1.34.4"), running));
    after.kubernetesVersion = "v1.34.4";
    const plan = resolveContract(withKubernetes("v1.34.4"), after);
    assert.equal(plan.configKubernetesVersion, "v1.34.4");
    assert.equal(configEditsHeld(plan), false);
  });
});

describe("upgrade.keepSnapshots", () => {
  it("defaults to 10 and takes a positive count", () => {
    assert.equal(stackPlan("homelab").upgrade.keepSnapshots, 10);
    assert.equal(
      stackPlan("homelab", (c) => {
        c.upgrade = { keepSnapshots: 3 };
      }).upgrade.keepSnapshots,
      3,
    );
  });
  it("0 is refused with the key named", () => {
    const problems = problemsOf((c) => {
      c.upgrade = { keepSnapshots: 0 };
    });
    assert.ok(
      problems.some((p) => p.key.includes("upgrade.keepSnapshots")),
      JSON.stringify(problems),
    );
  });
});
