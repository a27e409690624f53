// The operation graph of a version change under mocks: a copy of the homelab stack moved to Talos
// v1.12.1 and Kubernetes v1.35.0, workers in batches of 2. The order is what the engine derives from
// dependsOn: a step starts only after all of its dependencies succeeded.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, invokes, resolve } from "../helpers/mocks";
import { stackPlan } from "../helpers/stacks";

installMocks();
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";

const deployed = deployedStateOf(stackPlan("homelab"));
const plan = resolveContract(
  stackPlan("homelab", (c) => {
    c.clusterName = "graph";
    c.versions = { ...c.versions, talos: "v1.12.1", kubernetes: "v1.35.0" };
    c.upgrade = { workerBatchSize: 2 };
  }),
  deployed,
);

const COMMAND = "command:local:Command";
const steps = new Map<string, { deps: string[]; props: Record<string, any>; opts: pulumi.CustomResourceOptions }>();
const names = new Map<unknown, string>();
let secrets: { props: Record<string, any>; opts: pulumi.CustomResourceOptions } | undefined;
/** config applies and VMs: what each waits for (dependsOn, by name) */
const waits = new Map<string, string[]>();
const record: pulumi.ResourceTransformation = (a) => {
  names.set(a.resource, a.name);
  if (a.type === "talos:machine/configurationApply:ConfigurationApply" || a.type === "homelab:proxmox:ProxmoxVm") {
    waits.set(
      a.name,
      ((a.opts.dependsOn as unknown[]) ?? []).map((d) => names.get(d) ?? "?"),
    );
  }
  if (a.type === "talos:machine/secrets:Secrets") secrets = { props: a.props, opts: a.opts };
  if (a.type === COMMAND && (a.props as any).environment?.HOMELAB_DAY2_STEP)
    steps.set(a.name, { deps: ((a.opts.dependsOn as unknown[]) ?? []).map((d) => names.get(d) ?? "?"), props: a.props, opts: a.opts });
  return undefined;
};
const provider = new proxmox.Provider("proxmox-graph", { endpoint: plan.proxmox.endpoint });
const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider, deployed }, { transformations: [record] });

/** the wave each step runs in: 0 for no step dependencies, else one after its latest dependency */
function waves(): Map<string, number> {
  const out = new Map<string, number>();
  const wave = (n: string): number => {
    if (!out.has(n))
      out.set(
        n,
        Math.max(
          -1,
          ...steps
            .get(n)!
            .deps.filter((d) => steps.has(d))
            .map(wave),
        ) + 1,
      );
    return out.get(n)!;
  };
  for (const n of [...steps.keys()].filter((k) => k.startsWith("graph-day2-"))) wave(n);
  return out;
}

describe("rolling upgrade graph (mocks, homelab copy: Talos v1.11.5 -> v1.12.1, Kubernetes v1.34.1 -> v1.35.0)", () => {
  before(async () => {
    await resolve(pulumi.all([cluster.healthy, cluster.upgrade.done]));
  });

  it("snapshot first, control planes one at a time, workers in batches of 2 after them, Kubernetes last", () => {
    const w = waves();
    const at = (i: number) =>
      [...w]
        .filter(([, v]) => v === i)
        .map(([n]) => n.replace("graph-day2-", ""))
        .sort();
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(at), [
      ["etcd-snapshot"],
      ["talos-cp-01"],
      ["talos-cp-02"],
      ["talos-cp-03"],
      ["talos-wrk-01", "talos-wrk-02"],
      ["talos-wrk-03", "talos-wrk-04"],
      ["kubernetes"],
    ]);
    assert.equal([...steps.keys()].filter((k) => k.startsWith("graph-day2-")).length, 9);
  });

  it("control planes take their configs one at a time: each apply waits for the previous one's gate", () => {
    assert.deepEqual(
      waits.get("talos-cp-01-config")!.filter((d) => d.endsWith("-gate")),
      [],
    );
    assert.deepEqual(
      waits.get("talos-cp-02-config")!.filter((d) => d.endsWith("-gate")),
      ["talos-cp-01-config-gate"],
    );
    assert.deepEqual(
      waits.get("talos-cp-03-config")!.filter((d) => d.endsWith("-gate")),
      ["talos-cp-02-config-gate"],
    );
    for (const cp of ["talos-cp-01", "talos-cp-02", "talos-cp-03"]) {
      assert.deepEqual(steps.get(`${cp}-config-gate`)!.deps, [`${cp}-config`], "a gate follows its own apply");
    }
    for (const w of ["talos-wrk-01", "talos-wrk-02"])
      assert.deepEqual(
        waits.get(`${w}-config`)!.filter((d) => d.endsWith("-gate")),
        [],
        "workers do not wait",
      );
  });

  it("the etcd snapshot before a control-plane change comes before the control planes' VMs", () => {
    for (const cp of ["talos-cp-01", "talos-cp-02", "talos-cp-03"])
      assert.deepEqual(waits.get(`${cp}-vm`), ["graph-etcd-snapshot-membership"], cp);
    assert.deepEqual(waits.get("talos-wrk-01-vm"), [], "a worker joins no etcd");
    assert.equal(steps.get("graph-etcd-snapshot-membership")!.props.environment.SNAPSHOT_WHEN, "before-membership-change");
  });

  it("every step carries its target; the node steps the installer image of the schematic and version", async () => {
    const env = async (n: string) =>
      resolve(pulumi.output(steps.get(`graph-day2-${n}`)!.props.environment)) as Promise<Record<string, string>>;
    const cp = await env("talos-cp-02");
    assert.equal(cp.TALOS_VERSION, "v1.12.1");
    assert.equal(
      cp.INSTALLER_IMAGE,
      "factory.talos.dev/nocloud-installer/ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515:v1.12.1",
    );
    assert.equal(cp.NODE_IP, "192.168.0.12");
    assert.equal(cp.CONTROL_PLANES, "talos-cp-01=192.168.0.11,talos-cp-02=192.168.0.12,talos-cp-03=192.168.0.13");
    const snap = await env("etcd-snapshot");
    assert.equal(snap.SNAPSHOT_DIR, ".etcd-snapshots");
    // the first step waits for the bootstrap and every config apply
    assert.deepEqual(
      steps.get("graph-day2-etcd-snapshot")!.deps.sort(),
      ["graph-bootstrap", ...plan.nodes.map((n) => `${n.name}-config`)].sort(),
    );
    assert.equal((await env("kubernetes")).KUBERNETES_VERSION, "v1.35.0");
  });

  it("talosconfig and kubeconfig reach the steps only as secrets in the environment, never on a command line", async () => {
    for (const [name, s] of steps) {
      assert.equal(await pulumi.isSecret(pulumi.output(s.props.environment).apply((e) => e.TALOSCONFIG_DATA)), true, name);
      for (const cmd of [s.props.create, s.props.update])
        assert.match(cmd, /^node --import tsx tools\/day2\/talos-day2\.ts (snapshot|node|kubernetes|gate) (create|update)$/);
      assert.deepEqual(s.opts.additionalSecretOutputs, ["environment"]);
    }
    const kc = steps.get("graph-day2-talos-wrk-01")!.props.environment.KUBECONFIG_DATA;
    assert.equal(await pulumi.isSecret(pulumi.output(kc)), true);
  });

  it("the machine configs keep the contract and the running Kubernetes; the secrets ignore version changes", () => {
    const configs = invokes.filter(
      (i) => i.token === "talos:machine/getConfiguration:getConfiguration" && i.inputs.clusterName === "graph",
    );
    assert.equal(configs.length, 7);
    for (const c of configs) assert.equal(c.inputs.talosVersion, "v1.11.5");
    // and the running Kubernetes: upgrade-k8s rolls v1.35.0 node by node; new configs would restart
    // every API server at once
    for (const c of configs) assert.equal(c.inputs.kubernetesVersion, "v1.34.1");
    assert.equal(secrets!.props.talosVersion, "v1.11.5");
    assert.deepEqual(secrets!.opts.ignoreChanges, ["talosVersion"]);
    assert.equal(secrets!.opts.protect, true);
  });
});
