// Issue 10 under Pulumi mocks: what the program emits for the first deploy, for a second run of the
// same plan, and for the changes that must not take down more than one control plane at a time.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, invokes, mockBehaviour, recorded, resolve } from "../helpers/mocks";
import { stackPlan } from "../helpers/stacks";

installMocks();
// imported after the mocks are in place
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { type DeployedState, deployedStateOf } from "../../core/deployed/state";
import type { Plan } from "../../core/plan/types";

const T = {
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  file: "proxmoxve:download/file:File",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  command: "command:local:Command",
  health: "talos:cluster/getHealth:getHealth",
};

interface Run {
  resources: { type: string; name: string; inputs: Record<string, any> }[];
  opts: Map<string, pulumi.CustomResourceOptions>;
  health: number;
  warnings: string[];
  cluster: TalosCluster;
  hashes: Record<string, string>;
  applyModes: Record<string, string>;
  configInputHashes: Record<string, string>;
  healthy?: string;
  staged: string[];
  failure?: Error;
}

let runCount = 0;
/** One program run: the cluster component under mocks, with the last run's deployed state. */
async function run(plan: Plan, deployed?: DeployedState): Promise<Run> {
  const start = recorded.length,
    invokeStart = invokes.length;
  const opts = new Map<string, pulumi.CustomResourceOptions>();
  const record: pulumi.ResourceTransformation = (a) => {
    opts.set(`${a.type}::${a.name}`, a.opts as pulumi.CustomResourceOptions);
    return undefined;
  };
  const warnings: string[] = [];
  const warn = pulumi.log.warn;
  pulumi.log.warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    const provider = new proxmox.Provider(`proxmox-run${++runCount}`, { endpoint: plan.proxmox.endpoint });
    const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider, deployed }, { transformations: [record] });
    let failure: Error | undefined;
    // a failing health check rejects the output; the engine would fail the run with it
    const h = cluster.healthy as any;
    h.isKnown.catch(() => undefined);
    h.isSecret.catch(() => undefined);
    const healthy = await h.promise().catch((e: Error) => {
      failure = e;
    });
    const [hashes, staged, applyModes, configInputHashes] = failure
      ? [{}, [], {}, {}]
      : await resolve(pulumi.all([cluster.configHashes, cluster.stagedNodes, cluster.applyModes, cluster.configInputHashes]));
    await new Promise((r) => setTimeout(r, 50)); // let the remaining registrations land
    return {
      resources: structuredClone(recorded.slice(start).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))),
      opts,
      health: invokes.slice(invokeStart).filter((i) => i.token === T.health).length,
      warnings,
      cluster,
      hashes: hashes as Record<string, string>,
      staged: staged as string[],
      failure,
      healthy,
      applyModes: applyModes as Record<string, string>,
      configInputHashes: configInputHashes as Record<string, string>,
    };
  } finally {
    pulumi.log.warn = warn;
  }
}

/** Mocks see a secret input as {<signature>: <secret sig>, value}; the engine stores it encrypted. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const reveal = (v: any) => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);
const ofType = (r: Run, t: string) => r.resources.filter((x) => x.type === t);
type Emitted = Run["resources"][number];
const byName = (r: Run, t: string, key = (x: Emitted) => x.inputs.name ?? x.name): Record<string, Emitted> =>
  Object.fromEntries(ofType(r, t).map((x) => [key(x), x]));
/** What the engine would diff: inputs plus the options that decide replace-vs-update. */
function diffView(r: Run) {
  return r.resources
    .filter((x) => x.type !== "pulumi:providers:proxmoxve")
    .map((x) => {
      const o = r.opts.get(`${x.type}::${x.name}`) ?? {};
      return {
        key: `${x.type}::${x.name}`,
        inputs: x.inputs,
        opts: {
          deleteBeforeReplace: o.deleteBeforeReplace,
          ignoreChanges: o.ignoreChanges,
          replaceOnChanges: o.replaceOnChanges,
          replacementTrigger: o.replacementTrigger,
        },
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}
/** the `deployed` output index.ts records after a successful run */
const afterRun = (plan: Plan, r: Run): DeployedState => ({
  ...deployedStateOf(plan),
  machineConfigHashes: r.hashes,
  applyModes: r.applyModes,
  configInputHashes: r.configInputHashes,
  ...(r.healthy === "after-removal" ? { healthCheckPending: true } : {}),
});

const plan = stackPlan("homelab");

describe("first deploy of homelab (mocks)", () => {
  let first: Run;
  before(async () => {
    first = await run(plan);
  });

  it("imports the OS disk through the API: qcow2 from the factory, content type import, importFrom, no fileId", () => {
    const files = ofType(first, T.file);
    assert.deepEqual(files.map((f) => `${f.inputs.nodeName}/${f.inputs.datastoreId}`).sort(), ["pve1/local", "pve2/local", "pve3/local"]);
    for (const f of files) {
      assert.equal(f.inputs.contentType, "import");
      assert.match(f.inputs.url, /^https:\/\/factory\.talos\.dev\/image\/[0-9a-f]{64}\/v1\.11\.5\/nocloud-amd64\.qcow2$/);
      assert.match(f.inputs.fileName, /\.qcow2$/, "Proxmox picks the import format from the extension");
      assert.equal(f.inputs.decompressionAlgorithm, undefined, "importFrom cannot use a decompressed download");
    }
    for (const vm of ofType(first, T.vm)) {
      const os = vm.inputs.disks[0];
      assert.equal(os.fileId, undefined, "fileId makes the provider SSH into the host");
      const file = files.find((f) => f.inputs.nodeName === vm.inputs.nodeName)!;
      assert.equal(os.importFrom, `local:import/${file.inputs.fileName}`);
    }
  });

  it("moves FileLegacy state to download.File by alias", () => {
    for (const f of ofType(first, T.file)) {
      const aliases = (first.opts.get(`${T.file}::${f.name}`)?.aliases ?? []) as { type?: string }[];
      assert.ok(
        aliases.some((a) => a.type === "proxmoxve:download/fileLegacy:FileLegacy"),
        f.name,
      );
    }
    assert.equal(first.resources.filter((r) => r.type === "proxmoxve:download/fileLegacy:FileLegacy").length, 0);
  });

  it("VMs never restart themselves, keep cloud-init to first boot, delete before replace and migrate on host moves", () => {
    for (const vm of ofType(first, T.vm)) {
      const o = first.opts.get(`${T.vm}::${vm.name}`)!;
      assert.equal(vm.inputs.rebootAfterUpdate, false, vm.inputs.name);
      assert.equal(vm.inputs.migrate, true);
      assert.equal(o.deleteBeforeReplace, true);
      assert.ok(o.ignoreChanges?.includes("initialization"));
      assert.ok(o.ignoreChanges?.includes("disks[0].importFrom"));
      assert.deepEqual(vm.inputs.serialDevices, [{ device: "socket" }]);
      assert.deepEqual(vm.inputs.tags, [...vm.inputs.tags].sort());
      assert.deepEqual(vm.inputs.agent, { enabled: true, trim: true, timeout: "2m", waitForIp: { disabled: true } });
    }
  });

  it("new nodes take their first config with auto; removal resets gracefully and the VM goes last", () => {
    const secrets = first.cluster.secrets;
    for (const a of ofType(first, T.apply)) {
      assert.equal(a.inputs.applyMode, "auto", "maintenance mode refuses staged applies");
      assert.deepEqual(a.inputs.onDestroy, { reset: true, graceful: true, reboot: false });
      const o = first.opts.get(`${T.apply}::${a.name}`)!;
      assert.equal(o.deleteBeforeReplace, true);
      assert.equal(o.deletedWith, secrets, "whole-stack destroy skips resets");
      const node = [...first.cluster.controlPlanes, ...first.cluster.workers].find((n) => `${n.node.name}-config` === a.name)!;
      assert.deepEqual(o.replaceWith, [node.vm.vm], "a replaced VM gets its config again");
      // delete order is the reverse of dependencies: apply (reset), then node object, then VM
      assert.ok((o.dependsOn as pulumi.Resource[]).includes(node.nodeObject));
      const c = first.opts.get(`${T.command}::${node.node.name}-node-object`)!;
      assert.ok((c.dependsOn as pulumi.Resource[]).includes(node.vm));
      assert.equal(c.deletedWith, secrets);
    }
    const cmds = byName(first, T.command, (x) => x.name);
    const cp1 = cmds["talos-cp-01-node-object"].inputs;
    assert.equal(cp1.update, "true", "an input change must update, never replace (a replacement would run the delete)");
    assert.ok(SECRET_SIG in cp1.environment, "the talosconfig in the environment keeps it a secret");
    const env = reveal(cp1.environment);
    assert.equal(env.NODE_NAME, "talos-cp-01");
    assert.equal(env.CONTROL_PLANES, "192.168.0.12 192.168.0.13", "the kubeconfig comes from another control plane");
    assert.match(env.TALOSCONFIG_DATA, /^context: homelab/);
    assert.equal(reveal(cmds["talos-wrk-01-node-object"].inputs.environment).CONTROL_PLANES, "192.168.0.11 192.168.0.12 192.168.0.13");
  });

  it("waits for health on a new cluster", () => {
    assert.equal(first.health, 1);
    assert.deepEqual(first.staged, []);
  });

  describe("second run of the unchanged plan", () => {
    let second: Run, third: Run;
    before(async () => {
      second = await run(plan, afterRun(plan, first));
      third = await run(plan, afterRun(plan, second));
    });

    it("does not wait for health: no machine config changed", () => {
      assert.equal(second.health, 0);
      assert.equal(third.health, 0);
    });

    it("emits the same VMs, downloads and commands: nothing to replace or restart", () => {
      const view = (r: Run) => diffView(r).filter((x) => !x.key.startsWith(T.apply));
      assert.deepEqual(view(second), view(first));
      assert.deepEqual(view(third), view(second));
    });

    it("keeps each config apply as it is (the mode too): the run after a fresh deploy is already a fixed point", () => {
      assert.deepEqual(diffView(second), diffView(first), "no config apply changes, not even its mode");
      assert.deepEqual(diffView(third), diffView(second));
      assert.ok(Object.values(second.applyModes).every((m) => m === "auto"));
    });
  });
});

describe("changes to a running cluster (mocks)", () => {
  let deployed: DeployedState;
  before(async () => {
    deployed = afterRun(plan, await run(plan));
  });
  after(() => {
    mockBehaviour.healthFails = false;
    mockBehaviour.resolvedApplyMode = undefined;
  });

  it("a changed machine config runs the health check; a failed check warns instead of blocking the fix", async () => {
    const changed = { ...deployed, machineConfigHashes: { ...deployed.machineConfigHashes, "talos-wrk-01": "sha256-old" } };
    mockBehaviour.healthFails = true;
    const r = await run(plan, changed);
    mockBehaviour.healthFails = false;
    assert.equal(r.health, 1);
    assert.equal(r.failure, undefined);
    assert.match(r.warnings.join("\n"), /did not report healthy after this change/);
  });

  it("a failed health check on a new cluster fails the run (the LB pool needs Cilium's CRDs)", async () => {
    mockBehaviour.healthFails = true;
    const r = await run(plan);
    mockBehaviour.healthFails = false;
    assert.ok(r.failure, "the run fails");
    assert.equal(r.warnings.length, 0);
  });

  it("a staged config is reported with the rolling instructions", async () => {
    mockBehaviour.resolvedApplyMode = "staged";
    const r = await run(plan, deployed);
    mockBehaviour.resolvedApplyMode = undefined;
    assert.deepEqual(
      r.staged,
      plan.nodes.map((n) => n.name),
    );
    const w = r.warnings.join("\n");
    assert.match(w, /Talos staged the new machine config of talos-cp-01 \(192\.168\.0\.11\), talos-cp-02/);
    assert.match(w, /one at a time, control planes first: `talosctl -n <ip> reboot`/);
  });

  it("an edit of a running node's config takes staged_if_needing_reboot (applied live, or staged when it needs a reboot)", async () => {
    const dns = stackPlan("homelab", (c) => {
      c.network = { ...c.network, dns: ["192.168.0.53", "192.168.0.54"] };
    });
    const r = await run(dns, deployed);
    const modes = Object.fromEntries(ofType(r, T.apply).map((a) => [a.name, a.inputs.applyMode]));
    assert.ok(
      Object.values(modes).every((m) => m === "staged_if_needing_reboot"),
      JSON.stringify(modes),
    );
    // recorded, the next run of the same plan keeps it
    const again = await run(dns, afterRun(dns, r));
    assert.deepEqual(diffView(again), diffView(r));
  });

  it("a run that removes a node leaves the health check to the next run, which checks once", async () => {
    const shrunk = stackPlan("homelab", (c) => {
      c.nodes = c.nodes.filter((n: { name: string }) => n.name !== "talos-wrk-04");
    });
    const r = await run(shrunk, deployed);
    assert.equal(
      r.health,
      0,
      "the leaving node is still a Kubernetes Node while the program runs: Talos's check would wait out its timeout",
    );
    assert.equal(r.healthy, "after-removal");
    const next = await run(shrunk, afterRun(shrunk, r));
    assert.equal(next.health, 1);
    const then = await run(shrunk, afterRun(shrunk, next));
    assert.equal(then.health, 0);
  });

  it("a node added to a running cluster gets auto, the others keep the config and mode they have", async () => {
    const grown = stackPlan("homelab", (c) => {
      c.nodes.push({ name: "talos-wrk-05", role: "worker", ip: "192.168.0.18", vmId: 1018, host: "pve2", cpu: 8, memoryGiB: 16 });
    });
    const r = await run(grown, deployed);
    const modes = Object.fromEntries(ofType(r, T.apply).map((a) => [a.name, a.inputs.applyMode]));
    assert.equal(modes["talos-wrk-05-config"], "auto");
    assert.equal(modes["talos-cp-01-config"], deployed.applyModes!["talos-cp-01"]);
    assert.equal(r.health, 1, "a new node changes the set of configs");
  });

  it("a control plane whose VM is replaced (new vmId) takes its first config with auto again", async () => {
    const replaced = stackPlan("homelab", (c) => {
      c.nodes[1].vmId = 1112;
    });
    const r = await run(replaced, deployed);
    const modes = Object.fromEntries(ofType(r, T.apply).map((a) => [a.name, a.inputs.applyMode]));
    assert.equal(modes["talos-cp-02-config"], "auto");
    assert.equal(modes["talos-cp-01-config"], deployed.applyModes!["talos-cp-01"]);
  });
});

describe("guest agent and shared image storage (mocks)", () => {
  it("no qemu-guest-agent extension: the agent is off", async () => {
    const noAgent = stackPlan("homelab", (c) => {
      c.image = { extensions: ["siderolabs/iscsi-tools"] };
    });
    const r = await run(noAgent);
    for (const vm of ofType(r, T.vm)) assert.equal(vm.inputs.agent.enabled, false);
  });

  it("a shared image datastore is downloaded once and every host's VMs import that file", async () => {
    const shared = stackPlan("homelab", (c) => {
      c.proxmox.sharedDatastores = ["cephfs"];
      for (const h of c.proxmox.hosts) h.imageDatastore = "cephfs";
    });
    const r = await run(shared);
    const files = ofType(r, T.file);
    assert.deepEqual(
      files.map((f) => `${f.inputs.nodeName}/${f.inputs.datastoreId}`),
      ["pve1/cephfs"],
    );
    assert.deepEqual(
      new Set(ofType(r, T.vm).map((v) => v.inputs.disks[0].importFrom)),
      new Set([`cephfs:import/${files[0].inputs.fileName}`]),
    );
  });
});

describe("issue 17: host moves and a second cluster on the same Proxmox (mocks)", () => {
  it("each VM's migrate timeout is sized from its disks and RAM (600 GB of local disks: over 100 minutes on 1 GbE)", async () => {
    const r = await run(plan);
    const vms = byName(r, T.vm);
    // From Pulumi.homelab.yaml's rows (disks + RAM in GB, 20 s each, whole minutes up) and bpg v0.111.1's
    // default timeout_migrate of 1800 s (proxmoxtf/resource/vm/vm.go dvTimeoutMigrate) as the floor:
    // control planes 50 + 8 = 58 GB -> 1160 s -> 1800; talos-wrk-01/02 100 + 500 + 32 = 632 GB -> 12640 s
    // -> 12660; talos-wrk-03/04 100 + 250 + 16 = 366 GB -> 7320 s
    const expected: Record<string, number> = {
      "talos-cp-01": 1800,
      "talos-cp-02": 1800,
      "talos-cp-03": 1800,
      "talos-wrk-01": 12660,
      "talos-wrk-02": 12660,
      "talos-wrk-03": 7320,
      "talos-wrk-04": 7320,
    };
    assert.deepEqual(Object.fromEntries(Object.entries(vms).map(([name, vm]) => [name, vm.inputs.timeoutMigrate])), expected);
    // talos-wrk-01: 100 + 500 GB of disks and 32 GiB RAM; bpg's default is 1800 s
    assert.ok(vms["talos-wrk-01"].inputs.timeoutMigrate >= 2 * 100 * 60, String(vms["talos-wrk-01"].inputs.timeoutMigrate));
    assert.equal(vms["talos-cp-01"].inputs.timeoutMigrate, 1800, "a small VM keeps the provider's floor");
  });

  it("two clusters with the same Talos version and schematic ask for different image files; a leftover of its own is replaced", async () => {
    const other = stackPlan("homelab", (c) => {
      c.clusterName = "lab2";
    });
    const a = ofType(await run(plan), T.file),
      b = ofType(await run(other), T.file);
    assert.equal(a[0].inputs.url, b[0].inputs.url, "same image");
    const names = (fs: Emitted[]) => new Set(fs.map((f) => `${f.inputs.nodeName}/${f.inputs.datastoreId}/${f.inputs.fileName}`));
    for (const f of names(a)) assert.ok(!names(b).has(f), `both clusters would download ${f}`);
    for (const f of [...a, ...b]) {
      assert.match(f.inputs.fileName, /^talos-(homelab|lab2)-v1\.11\.5-[0-9a-f]{12}-nocloud-amd64\.qcow2$/);
      assert.equal(
        f.inputs.overwriteUnmanaged,
        true,
        "a retry after a download that outlived its timeout must not fail with 'File already exists'",
      );
      assert.equal(f.inputs.uploadTimeout, 3600);
    }
  });
});
