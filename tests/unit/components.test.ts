// Component tests with Pulumi mocks on the homelab stack: the real resource graph the components build.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { installMocks, recorded, resolve } from "../helpers/mocks";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";

installMocks();
// imported after the mocks are in place
import { TalosCluster } from "../../components/TalosCluster";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";

const plan = stackPlan("homelab");
/** The reference stack file's node rows as written: what the VMs must carry (not the plan built from them). */
const STACK_ROWS: {
  name: string;
  role: string;
  ip: string;
  vmId: number;
  host: string;
  cpu: number;
  memoryGiB: number;
  osDiskGB: number;
  dataDisksGB?: number[];
}[] = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), "utf8")).config["homelab:nodes"];
const deps = new Map<string, unknown[]>();
const protectedResources = new Set<string>();
const secretOutputs = new Map<string, string[]>();
/** commands whose environment carries a credential, with their additionalSecretOutputs */
const credentialCommands = new Map<string, string[]>();
const record: pulumi.ResourceTransformation = (a) => {
  deps.set(`${a.type}::${a.name}`, (a.opts.dependsOn as unknown[] | undefined) ?? []);
  if ((a.opts as pulumi.CustomResourceOptions).protect) protectedResources.add(a.type);
  secretOutputs.set(a.type, (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []);
  const env = (a.props as { environment?: Record<string, unknown> }).environment;
  if (a.type === "command:local:Command" && env && ("TALOSCONFIG_DATA" in env || "KUBECONFIG_DATA" in env)) {
    credentialCommands.set(a.name, (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []);
  }
  return undefined;
};
const provider = new proxmox.Provider("proxmox", { endpoint: plan.proxmox.endpoint });
const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider }, { transformations: [record] });

const ofType = (t: string) => recorded.filter((r) => r.type === t);

describe("TalosCluster on the homelab stack (mocks)", () => {
  before(async () => {
    await resolve(pulumi.all([cluster.kubeconfig, cluster.talosconfig, cluster.healthy]));
  });

  it("creates 7 VMs with the reference sizes, disks and placement", () => {
    const vms = ofType("proxmoxve:index/vmLegacy:VmLegacy");
    assert.equal(vms.length, 7);
    const byName = Object.fromEntries(vms.map((v) => [v.inputs.name, v.inputs]));
    assert.equal(STACK_ROWS.length, 7);
    for (const n of STACK_ROWS) {
      const vm = byName[n.name];
      assert.ok(vm, n.name);
      assert.equal(vm.cpu.cores, n.cpu);
      // Proxmox counts a VM's memory in MiB
      assert.equal(vm.memory.dedicated, n.memoryGiB * 1024);
      assert.equal(vm.nodeName, n.host);
      assert.equal(vm.vmId, n.vmId);
      // the OS disk on scsi0, each data disk after it (scsi1, ...), in GB as the stack file writes them
      assert.deepEqual(
        vm.disks.map((d: any) => [d.interface, d.size]),
        [n.osDiskGB, ...(n.dataDisksGB ?? [])].map((size, i) => [`scsi${i}`, size]),
      );
      assert.ok(["x86-64-v2-AES", "host"].includes(vm.cpu.type));
      assert.equal(vm.scsiHardware, "virtio-scsi-single");
      assert.equal(vm.agent.enabled, true);
      assert.equal(vm.onBoot, true);
      assert.deepEqual(vm.tags, ["homelab", n.role, "talos"].sort());
      const os = vm.disks[0];
      assert.deepEqual([os.discard, os.ssd, os.iothread], ["on", true, true]);
      assert.ok(os.importFrom, "OS disk boots the Talos image");
      assert.equal(vm.initialization.ipConfigs[0].ipv4.address, `${n.ip}/24`);
    }
    assert.deepEqual(
      plan.workers.map((w) => byName[w.name].disks[1].size),
      [500, 500, 250, 250],
    );
  });

  it("spreads control planes over the three hosts and starts them first", () => {
    const vms = ofType("proxmoxve:index/vmLegacy:VmLegacy");
    const cps = vms.filter((v) => v.inputs.tags.includes("controlplane"));
    assert.equal(new Set(cps.map((v) => v.inputs.nodeName)).size, 3);
    const maxCp = Math.max(...cps.map((v) => v.inputs.startup.order));
    const minWorker = Math.min(...vms.filter((v) => v.inputs.tags.includes("worker")).map((v) => v.inputs.startup.order));
    assert.ok(maxCp < minWorker);
  });

  it("downloads the image once per Proxmox host and datastore", () => {
    const files = ofType("proxmoxve:download/file:File");
    assert.deepEqual(files.map((f) => `${f.inputs.nodeName}/${f.inputs.datastoreId}`).sort(), ["pve1/local", "pve2/local", "pve3/local"]);
    for (const f of files)
      assert.match(f.inputs.url, /^https:\/\/factory\.talos\.dev\/image\/[0-9a-f]{64}\/v1\.11\.5\/nocloud-amd64\.qcow2$/);
    const schematic = ofType("talos:imageFactory/schematic:Schematic");
    assert.equal(schematic.length, 1);
    assert.match(schematic[0].inputs.schematic, /siderolabs\/qemu-guest-agent/);
  });

  it("applies 7 machine configurations, each to its node's IP with its patches", () => {
    const applies = ofType("talos:machine/configurationApply:ConfigurationApply");
    assert.equal(applies.length, 7);
    assert.deepEqual(applies.map((a) => a.inputs.node).sort(), STACK_ROWS.map((n) => n.ip).sort());
    for (const a of applies) assert.ok(a.inputs.configPatches.length >= 1);
  });

  it("bootstraps exactly once, on talos-cp-01, after its apply", () => {
    const boots = ofType("talos:machine/bootstrap:Bootstrap");
    assert.equal(boots.length, 1);
    assert.equal(boots[0].inputs.node, "192.168.0.11");
    const d = deps.get(`talos:machine/bootstrap:Bootstrap::${boots[0].name}`) ?? [];
    const cp1 = cluster.controlPlanes.find((c) => c.node.name === "talos-cp-01")!;
    assert.ok(d.includes(cp1.apply), "bootstrap depends on talos-cp-01's apply");
    assert.equal(d.length, 1);
  });

  it("protects the machine secrets and keeps kubeconfig and talosconfig secret", async () => {
    const s = ofType("talos:machine/secrets:Secrets");
    assert.equal(s.length, 1);
    assert.deepEqual([...protectedResources], ["talos:machine/secrets:Secrets"], "only the secrets are protected");
    assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
    assert.equal(await pulumi.isSecret(cluster.talosconfig), true);
    // the engine (not mocks) applies additionalSecretOutputs; assert they are requested
    assert.deepEqual(secretOutputs.get("talos:machine/secrets:Secrets"), ["machineSecrets", "clientConfiguration"]);
    // node-object removal (7), the snapshot before a control-plane change, the control planes' config
    // gates (3) and day-2 steps (snapshot, 7 nodes, kubernetes): credentials in their environment stay
    // secret in the state
    assert.equal(credentialCommands.size, 20, [...credentialCommands.keys()].join(", "));
    for (const [name, outs] of credentialCommands) assert.deepEqual(outs, ["environment"], name);
  });

  it("children are parented to their components", () => {
    const vmDeps = [...deps.keys()].filter((k) => k.startsWith("proxmoxve:index/vmLegacy"));
    assert.equal(vmDeps.length, 7, "every VM is created inside the TalosCluster tree");
  });
});
