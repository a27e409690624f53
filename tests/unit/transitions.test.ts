// Changes judged against what the stack last deployed (its `deployed` output).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deployedStateOf, parseDeployedState } from "../../core/deployed/state";
import { transitionProblems } from "../../core/deployed/transitions";
import { stackPlan } from "../helpers/stacks";

const homelab = stackPlan("homelab");
const cp = (name: string, i: number) => ({
  name,
  role: "controlplane",
  ip: `192.168.0.${11 + i}`,
  vmId: 1011 + i,
  host: "pve1",
  cpu: 4,
  memoryGiB: 8,
  osDiskGB: 50,
});

describe("deployed state", () => {
  it("round-trips the plan and ignores what it cannot read", () => {
    const state = deployedStateOf(homelab);
    assert.deepEqual(parseDeployedState(JSON.parse(JSON.stringify(state))), state);
    assert.equal(parseDeployedState(undefined), undefined);
    assert.deepEqual(parseDeployedState({ talosVersion: 5, nodes: [{ name: "x" }, { name: "a", role: "worker", ip: "10.0.0.1" }] }), {
      talosVersion: undefined,
      kubernetesVersion: undefined,
      configTalosVersion: undefined,
      nodes: [{ name: "a", role: "worker", ip: "10.0.0.1" }],
    });
  });
});

describe("control-plane removal", () => {
  const five = stackPlan("homelab", (c) => {
    c.nodes = [
      ...[0, 1, 2, 3, 4].map((i) => cp(`talos-cp-0${i + 1}`, i)),
      ...c.nodes
        .filter((n: { role: string }) => n.role === "worker")
        .map((n: object, i: number) => ({ ...n, ip: `192.168.0.${30 + i}`, vmId: 1030 + i })),
    ];
  });
  const deployedFive = deployedStateOf(five);

  it("an unchanged cluster, a new stack and a worker removal pass", () => {
    assert.deepEqual(transitionProblems(homelab, deployedStateOf(homelab)), []);
    assert.deepEqual(transitionProblems(homelab, undefined), []);
    const lessWorkers = stackPlan("homelab", (c) => {
      c.nodes.pop();
    });
    assert.deepEqual(transitionProblems(lessWorkers, deployedStateOf(homelab)), []);
  });

  it("5 -> 3 control planes keeps quorum (3 of 5 stay)", () => {
    const three = stackPlan("homelab", (c) => {
      c.nodes = c.nodes.filter((n: { name: string }) => n.name !== "talos-cp-04" && n.name !== "talos-cp-05");
    });
    assert.deepEqual(transitionProblems(three, deployedFive), []);
    const two = { ...three, controlPlanes: three.controlPlanes.slice(0, 2) };
    assert.match(transitionProblems(two, deployedFive)[0]?.message ?? "", /leaves 2 of 5 etcd members, below quorum \(3\)/);
  });

  it("3 -> 1 control plane loses quorum and names the key", () => {
    // the plan rules refuse one control plane for homelab; the transition rule is judged on its own
    const one = { ...homelab, controlPlanes: homelab.controlPlanes.slice(0, 1) };
    const problems = transitionProblems(one, deployedStateOf(homelab));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].key, "homelab:nodes");
    assert.match(problems[0].message, /talos-cp-02, talos-cp-03 leaves 1 of 3 etcd members, below quorum \(2\)/);
  });
});

describe("day-2 tools", () => {
  it("`pulumi up` without talosctl is refused before anything changes; a preview is not", async () => {
    const { day2ToolProblems } = await import("../../core/deployed/transitions");
    assert.deepEqual(day2ToolProblems({ talosctl: true }, true), []);
    assert.deepEqual(day2ToolProblems({ talosctl: false }, false), []);
    const [p] = day2ToolProblems({ talosctl: false }, true);
    assert.equal(p.key, "homelab:versions.talos");
    assert.match(p.fix, /install talosctl .* or run tools\/toolchain\/build-talosctl\.sh/);
  });
});
