// running-cluster-changes and running-cluster-advice on resources captured from the program's cluster
// component under mocks (the ClusterChange component carries the deployed and the planned state).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorded, resolve } from "../../tests/helpers/mocks";
import { stackPlan } from "../../tests/helpers/stacks";
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { deployedStateOf, type DeployedState } from "../../core/deployed/state";
import { allPolicies } from "../policies";
import { runPolicy } from "./run-policy";
import type { CapturedResource } from "../../tests/helpers/capture";

const running = deployedStateOf(stackPlan("homelab"));
let n = 0;
async function capture(mutate: (c: Record<string, any>) => void, deployed: DeployedState | undefined) {
  installMocks();
  const start = recorded.length;
  const plan = stackPlan("homelab", mutate);
  const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: new proxmox.Provider(`rc${n++}`, {}), deployed });
  await resolve(pulumi.all([cluster.healthy, cluster.upgrade.done]));
  return structuredClone(recorded.slice(start).map((r) => ({ type: r.type, name: r.name, props: r.inputs })));
}

// the running-cluster policies take no config
const run = (name: string, resources: CapturedResource[]) => runPolicy(name, resources, {});

describe("running-cluster policies (resources from the program)", () => {
  it("a new stack and an unchanged cluster pass both", async () => {
    for (const deployed of [undefined, running]) {
      const rs = await capture(() => undefined, deployed);
      assert.ok(rs.some((r) => r.type === "homelab:deployed:ClusterChange"));
      assert.deepEqual(run("running-cluster-changes", rs), { violations: [], notApplicable: undefined });
      assert.deepEqual(run("running-cluster-advice", rs), { violations: [], notApplicable: undefined });
    }
  });
  it("a role change and a grown disk with a CPU change are refused with their keys, all at once", async () => {
    const rs = await capture((c) => {
      c.nodes[3].role = "controlplane";
      c.nodes[4].role = "controlplane";
      c.nodes[0].osDiskGB = 80;
      c.nodes[0].cpu = 6;
    }, running);
    const v = run("running-cluster-changes", rs).violations;
    assert.equal(v.length, 3, v.join("\n"));
    assert.match(v.join("\n"), /cannot change a node's machine type in place.*\[homelab:nodes\[3\]\.role\]/);
    assert.match(v.join("\n"), /Fix: grow the disk in one run, change the CPU or memory in the next.*\[homelab:nodes\[0\]\.osDiskGB\]/);
  });
  it("an upgrade batch of every worker is advised on a new stack too", async () => {
    const rs = await capture((c) => {
      c.upgrade = { workerBatchSize: 4 };
    }, undefined);
    assert.match(run("running-cluster-advice", rs).violations.join(), /all 4 workers at once/);
  });
  it("an upgrade batch of every worker is advised, never refused", async () => {
    const rs = await capture((c) => {
      c.upgrade = { workerBatchSize: 4 };
    }, running);
    assert.deepEqual(run("running-cluster-changes", rs).violations, []);
    assert.match(run("running-cluster-advice", rs).violations.join(), /all 4 workers at once.*\[homelab:upgrade\.workerBatchSize\]/);
    assert.equal(allPolicies.find((p) => p.name === "running-cluster-advice")!.enforcementLevel, "advisory");
  });
  it("without the component it cannot decide", () => {
    assert.match(run("running-cluster-changes", []).notApplicable ?? "", /cannot decide yet/);
  });
});
