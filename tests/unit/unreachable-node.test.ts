// A node that no longer answers (issue 16, item 7): `nodes[i].unreachable: true` stops every call to it
// and removes a dead control plane's etcd member through one that answers; removing the entry then
// drops its config apply without the reset that would have to reach it. What the engine does with the
// options is shown under the real engine (tests/lifecycle); here: the plan's rule, and what the
// program declares (mocks).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, resolve } from "../helpers/mocks";
import { problemsOf, stackPlan } from "../helpers/stacks";

installMocks();
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { TalosCluster } from "../../components/TalosCluster";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";
import { etcdMemberAddresses, talosctlArgs } from "../../core/day2/talosctl";
import { answeringNodes } from "../../core/talos/node-removal";

const mark =
  (...names: string[]) =>
  (c: Record<string, any>) => {
    for (const n of c.nodes) if (names.includes(n.name)) n.unreachable = true;
  };

describe("nodes[i].unreachable in the plan", () => {
  it("defaults to false; the talosconfig endpoints and the bootstrap node skip a dead control plane", () => {
    const plan = stackPlan("homelab", mark("talos-cp-01"));
    assert.equal(
      stackPlan("homelab").nodes.every((n) => n.unreachable === false),
      true,
    );
    assert.deepEqual(plan.talosEndpoints, ["192.168.0.12", "192.168.0.13"]);
    assert.equal(plan.bootstrapNode.name, "talos-cp-02");
    assert.equal(plan.endpoint.url, stackPlan("homelab").endpoint.url, "the cluster endpoint (in every config) does not move");
    const live = answeringNodes(plan);
    assert.deepEqual(
      live.controlPlanes.map((n) => n.name),
      ["talos-cp-02", "talos-cp-03"],
    );
    assert.equal(live.nodes.length, 6);
  });

  it("refuses to mark control planes without which etcd has no quorum, naming the key", () => {
    const problems = problemsOf(mark("talos-cp-01", "talos-cp-02"));
    const p = problems.find((x) => x.key === "homelab:nodes[1].unreachable");
    assert.ok(p, JSON.stringify(problems));
    assert.match(p!.message, /talos-cp-01, talos-cp-02 of 3 control planes/);
    assert.match(p!.fix, /snapshot/);
    assert.doesNotThrow(
      () => stackPlan("homelab", mark("talos-cp-03", "talos-wrk-01", "talos-wrk-02")),
      "workers never count against quorum",
    );
  });
});

describe("talosctl etcd members, parsed for removal", () => {
  const out = `NODE           ID                 HOSTNAME      PEER URLS                   CLIENT URLS                 LEARNER
192.168.0.12   5a30ab21572cd620   talos-cp-01   https://192.168.0.11:2380   https://192.168.0.11:2379   false
192.168.0.12   6b41bc32683de731   talos-cp-02   https://192.168.0.12:2380   https://192.168.0.12:2379   false
`;
  it("ID, hostname and peer address; remove-member takes the ID", () => {
    assert.deepEqual(etcdMemberAddresses(out), [
      { id: "5a30ab21572cd620", name: "talos-cp-01", ip: "192.168.0.11" },
      { id: "6b41bc32683de731", name: "talos-cp-02", ip: "192.168.0.12" },
    ]);
    assert.deepEqual(etcdMemberAddresses("error: rpc error"), []);
    assert.deepEqual(talosctlArgs.etcdRemoveMember("192.168.0.12", "5a30ab21572cd620"), [
      "-e",
      "192.168.0.12",
      "-n",
      "192.168.0.12",
      "etcd",
      "remove-member",
      "5a30ab21572cd620",
    ]);
  });
});

describe("what the program declares for a dead control plane and a dead worker (mocks)", () => {
  const deployed = deployedStateOf(
    stackPlan("homelab", (c) => {
      c.clusterName = "dead";
    }),
  );
  const plan = resolveContract(
    stackPlan("homelab", (c) => {
      c.clusterName = "dead";
      mark("talos-cp-01", "talos-wrk-02")(c);
    }),
    deployed,
  );
  const regs = new Map<string, { type: string; props: Record<string, any>; opts: pulumi.CustomResourceOptions }>();
  const record: pulumi.ResourceTransformation = (a) => {
    regs.set(a.name, { type: a.type, props: a.props, opts: a.opts });
    return undefined;
  };
  let cluster: TalosCluster;
  before(async () => {
    const provider = new proxmox.Provider("proxmox-dead", { endpoint: plan.proxmox.endpoint });
    cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider, deployed }, { transformations: [record] });
    await resolve(pulumi.all([cluster.healthy, cluster.upgrade.done]));
  });

  it("their config applies keep every input and are dropped without a reset; the others are as before", () => {
    for (const dead of ["talos-cp-01-config", "talos-wrk-02-config"]) {
      assert.deepEqual(regs.get(dead)!.opts.ignoreChanges, ["*"], dead);
      assert.equal(regs.get(dead)!.opts.retainOnDelete, true, dead);
    }
    const alive = regs.get("talos-cp-02-config")!.opts;
    assert.equal(alive.retainOnDelete, undefined);
    assert.equal(alive.deleteBeforeReplace, true);
  });

  it("the dead control plane's etcd member is removed through the others, after the membership snapshot", async () => {
    const r = regs.get("talos-cp-01-etcd-removal")!;
    assert.equal(r.type, "command:local:Command");
    const env = (await resolve(pulumi.output(r.props.environment))) as Record<string, string>;
    assert.equal(env.NODE_NAME, "talos-cp-01");
    assert.equal(env.CONTROL_PLANES, "talos-cp-02=192.168.0.12,talos-cp-03=192.168.0.13");
    assert.equal(await pulumi.isSecret(pulumi.output(r.props.environment).apply((e) => e.TALOSCONFIG_DATA)), true);
    assert.equal(regs.has("talos-wrk-02-etcd-removal"), false, "a worker has no member");
    assert.equal(regs.has("talos-cp-01-config-gate"), false, "no gate waits for a dead node");
  });

  it("upgrades, the snapshot before membership changes and the Node-object deletion leave the dead nodes out", async () => {
    assert.equal(regs.has("dead-day2-talos-cp-01"), false);
    assert.equal(regs.has("dead-day2-talos-wrk-02"), false);
    assert.ok(regs.has("dead-day2-talos-cp-02"));
    const snap = (await resolve(pulumi.output(regs.get("dead-etcd-snapshot-membership")!.props.environment))) as Record<string, string>;
    assert.equal(snap.CONTROL_PLANES, "talos-cp-02=192.168.0.12,talos-cp-03=192.168.0.13");
    const nodeObject = (await resolve(pulumi.output(regs.get("talos-wrk-02-node-object")!.props.environment))) as Record<string, string>;
    assert.equal(nodeObject.CONTROL_PLANES, "192.168.0.12 192.168.0.13", "its Node object is deleted through control planes that answer");
    assert.equal(regs.get("dead-bootstrap")!.props.node, "192.168.0.12");
  });
});
