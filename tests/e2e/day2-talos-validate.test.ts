// Talos machinery judges the day-2 configs: a cluster created on 1.11 and upgraded keeps its 1.11
// contract, so every later release must accept configs generated and patched for 1.11; and the etcd
// backup's Talos API access on control planes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { patchStrings } from "../../components/TalosNode";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";
import type { Plan, TalosMinor } from "../../core/plan/types";
import { TALOS_MINORS, talosValidateBin } from "../helpers/judges";
import { stackPlan } from "../helpers/stacks";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

/** Validates with the machinery of `minor`, rendering configs for the plan's contract (as TalosNode does). */
function validate(minor: TalosMinor, plan: Plan) {
  const request = {
    clusterName: plan.clusterName,
    clusterEndpoint: plan.endpoint.url,
    talosVersion: plan.configTalosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    nodes: plan.nodes.map((n) => ({ name: n.name, type: n.role, patches: patchStrings(plan, n, SCHEMATIC) })),
  };
  const r = spawnSync(talosValidateBin(minor), [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  assert.ok(r.status === 0 || r.status === 1, `talos-validate-${minor} could not judge the request (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, results: JSON.parse(r.stdout) as { name: string; warnings: string[]; error?: string }[] };
}

const running = deployedStateOf(stackPlan("homelab")); // created on v1.11.5

describe("day-2 configs judged by Talos machinery", () => {
  for (const [minor, talos] of [
    ["1.12", "v1.12.1"],
    ["1.13", "v1.13.0"],
  ] as [TalosMinor, string][]) {
    it(`Talos ${minor} accepts every node's config for the kept 1.11 contract (1.11 document forms)`, () => {
      const plan = resolveContract(
        stackPlan("homelab", (c) => {
          c.versions.talos = talos;
        }),
        running,
      );
      assert.equal(plan.configTalosVersion, "v1.11.5");
      const out = validate(minor, plan);
      assert.equal(out.results.length, 7);
      for (const r of out.results) assert.deepEqual([r.error, r.warnings], [undefined, []], r.name);
      assert.equal(out.status, 0);
    });
  }
  it("etcdBackup on: control planes with kubernetesTalosAPIAccess validate on every minor", () => {
    for (const minor of TALOS_MINORS) {
      const talos = { "1.11": "v1.11.5", "1.12": "v1.12.1", "1.13": "v1.13.0" }[minor];
      const plan = stackPlan("homelab", (c) => {
        c.versions.talos = talos;
        c.versions.kubernetes = "v1.34.1";
        c.etcdBackup = { schedule: "17 3 * * *" };
      });
      const out = validate(minor, plan);
      for (const r of out.results) assert.equal(r.error, undefined, `${minor} ${r.name}: ${r.error}`);
      assert.equal(out.status, 0, minor);
    }
  });
  it("the validator can fail: a 1.12-only document under a 1.11 contract is refused by 1.11", () => {
    const plan = stackPlan("homelab");
    const request = {
      clusterName: plan.clusterName,
      clusterEndpoint: plan.endpoint.url,
      talosVersion: "v1.11.5",
      kubernetesVersion: plan.kubernetesVersion,
      nodes: [
        {
          name: "talos-cp-01",
          type: "controlplane",
          patches: ["apiVersion: v1alpha1\nkind: Layer2VIPConfig\nname: 192.168.0.200\nlink: eth0\n"],
        },
      ],
    };
    const r = spawnSync(talosValidateBin("1.11"), [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
    assert.notEqual(r.status, 0, r.stdout);
  });
});
