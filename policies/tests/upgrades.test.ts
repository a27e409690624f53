// upgrade-path policy on resources captured from the program under mocks: a homelab copy with a
// deployed state, the version step carried by the etcd-snapshot step.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorded, resolve } from "../../tests/helpers/mocks";
import { stackPlan } from "../../tests/helpers/stacks";
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { deployedStateOf, type DeployedState } from "../../core/deployed/state";
import { resolveContract } from "../../core/deployed/contract";
import { runPolicy } from "./run-policy";
import type { CapturedResource } from "../../tests/helpers/capture";

const running = deployedStateOf(stackPlan("homelab"));
let n = 0;
async function capture(versions: Record<string, string>, deployed: DeployedState | undefined) {
  installMocks();
  const start = recorded.length;
  const plan = resolveContract(
    stackPlan("homelab", (c) => {
      c.clusterName = `up${n++}`;
      Object.assign(c.versions, versions);
    }),
    deployed,
  );
  const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: new proxmox.Provider(`p${n}`, {}), deployed });
  await resolve(pulumi.all([cluster.healthy, cluster.upgrade.done]));
  return structuredClone(recorded.slice(start).map((r) => ({ type: r.type, name: r.name, props: r.inputs })));
}

// upgrade-path takes no config
const run = (resources: CapturedResource[]) => runPolicy("upgrade-path", resources, {});

describe("upgrade-path policy (resources from the program)", () => {
  it("an adjacent minor, a new stack and an unchanged cluster pass", async () => {
    assert.deepEqual(run(await capture({ talos: "v1.12.1" }, running)).violations, []);
    assert.deepEqual(run(await capture({}, undefined)).violations, []);
    assert.deepEqual(run(await capture({}, running)).violations, []);
  });
  it("a skipped Talos minor and a Kubernetes downgrade are refused with their keys", async () => {
    const v = run(await capture({ talos: "v1.13.0", kubernetes: "v1.33.0" }, running)).violations;
    assert.equal(v.length, 2);
    assert.match(v.join("\n"), /skips Talos 1\.12.*\[homelab:versions\.talos\]/);
    assert.match(v.join("\n"), /downgrade.*\[homelab:versions\.kubernetes\]/);
  });
  it("a skipped Kubernetes minor is refused", async () => {
    const v = run(await capture({ talos: "v1.12.1", kubernetes: "v1.35.0" }, { ...running, kubernetesVersion: "v1.33.1" })).violations;
    assert.match(v.join("\n"), /skips Kubernetes 1\.34.*\[homelab:versions\.kubernetes\]/);
  });
  it("without the snapshot step it cannot decide", () => {
    assert.match(run([]).notApplicable ?? "", /cannot decide yet/);
  });
});
