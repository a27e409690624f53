// A VM replaced after a Talos upgrade, under the real engine and the real Proxmox VE provider plugin
// (preview only: there is no Proxmox here, and everything runs in a network namespace of the test's
// own, so nothing reaches the stack's endpoint). The state holds the VM as an earlier `up` left it:
// created from the previous Talos version's image file, with its cloud-init (the provider's own Check
// output of that program, put into the state with `pulumi stack import`). Issue 15 feared that the
// component's ignoreChanges (image source, cloud-init) would make the engine create a replacement with
// the OLD values, from an image file that is gone after an upgrade. The engine does not: for an update
// it resets ignored properties to their old values (pulumi pkg/v3 v3.274.1 resource/deploy/
// step_generator.go, processIgnoreChanges before Check), but once it decides to replace it checks the
// program's own inputs again and creates the replacement from those (same file, "we need to recompute
// the default values": Check with goal.Properties, new.Inputs = inputs). These tests hold both halves.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nocloudIpConfig } from "../../core/talos/cloud-init";
import { stackPlan } from "../helpers/stacks";
import { buildLifecycleTools, LifecycleProject, Netns } from "./harness";

const PROGRAM = `// lifecycle tier: the project's ProxmoxVm component with literal inputs (tests/lifecycle/vm-replacement.test.ts)
import * as fs from "node:fs";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { ProxmoxVm } from "./components/ProxmoxVm";
import { vmSiteOf } from "./core/plan/proxmox-vm";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const provider = new proxmox.Provider("pve", { endpoint: i.plan.proxmox.endpoint, insecure: true });
new ProxmoxVm(i.node.name, { site: vmSiteOf(i.plan, i.node), node: i.node, imageFileId: i.imageFileId, proxmoxProvider: provider });
`;

const before_ = stackPlan("homelab");
// after the upgrade the DNS servers changed (cloud-init); `moved` also gives the worker a new vmId
const upgraded = (vmId?: number) =>
  stackPlan("homelab", (c) => {
    c.versions = { ...c.versions, talos: "v1.12.1" };
    if (vmId) c.nodes.find((n: { name: string }) => n.name === "talos-wrk-02").vmId = vmId;
    c.network = { ...c.network, dns: ["192.168.0.53", "192.168.0.54"] };
  });
const NODE = "talos-wrk-02";
const OLD_IMAGE = "local:import/talos-v1.11.5-nocloud-amd64.qcow2";
const NEW_IMAGE = "local:import/talos-v1.12.1-nocloud-amd64.qcow2";

interface Step {
  op: string;
  urn: string;
  provider?: string;
  newState?: { inputs?: any; type: string; custom: boolean; parent?: string };
}

describe("a VM replaced by a vmId change after an upgrade (real engine, real Proxmox provider, preview)", { timeout: 300_000 }, () => {
  let ns: Netns;
  let p: LifecycleProject;
  const steps = (plan: ReturnType<typeof upgraded>): (Step & { detailedDiff?: Record<string, unknown> })[] => {
    p.setInputs({ plan, node: plan.nodes.find((n) => n.name === NODE)!, imageFileId: NEW_IMAGE } as never);
    return JSON.parse(p.must(["preview", "--json"])).steps;
  };
  const vmStep = (s: Step[]) => {
    const vm = s.filter((x) => x.newState?.type === "proxmoxve:index/vmLegacy:VmLegacy");
    // the preview lists a replacement as one "replace" step whose new state is what will be created
    return { ops: vm.map((x) => x.op), created: vm.find((x) => x.op === "create-replacement" || x.op === "replace")?.newState?.inputs };
  };

  before(async () => {
    buildLifecycleTools();
    ns = await Netns.start([]);
    p = LifecycleProject.create(
      ns,
      "vm",
      { PROXMOX_VE_API_TOKEN: "root@pam!lifecycle=00000000-0000-0000-0000-000000000000" },
      { program: PROGRAM, proxmox: true },
    );
    // the state an earlier `up` left: the provider's checked inputs of the VM as first created
    p.setInputs({ plan: before_, node: before_.nodes.find((n) => n.name === NODE)!, imageFileId: OLD_IMAGE } as never);
    const first: Step[] = JSON.parse(p.must(["preview", "--json"])).steps;
    const state = p.exportState();
    const providerId = "5b5a3c1e-0000-4000-8000-000000000001";
    const provider = first.find((s) => s.newState?.type === "pulumi:providers:proxmoxve")!;
    state.deployment.resources = first.map((s) => {
      const r: Record<string, unknown> = {
        urn: s.urn,
        custom: s.newState!.custom,
        type: s.newState!.type,
        ...(s.newState!.parent ? { parent: s.newState!.parent } : {}),
      };
      if (s === provider) Object.assign(r, { id: providerId, inputs: s.newState!.inputs, outputs: s.newState!.inputs });
      if (s.newState!.type === "proxmoxve:index/vmLegacy:VmLegacy") {
        const inputs = s.newState!.inputs;
        Object.assign(r, {
          id: String(inputs.vmId),
          inputs,
          outputs: { ...inputs, id: String(inputs.vmId) },
          provider: `${provider.urn}::${providerId}`,
        });
      }
      return r;
    });
    p.importState(state);
    // the old program against that state: nothing replaced and no input differs (the provider only
    // fills in what a real create would have read back, which this crafted state lacks)
    const again: (Step & { detailedDiff?: Record<string, { inputDiff: boolean }> })[] = JSON.parse(p.must(["preview", "--json"])).steps;
    assert.deepEqual(
      again.filter((s) => /replace/.test(s.op)).map((s) => s.urn),
      [],
    );
    const inputDiffs = again.flatMap((s) =>
      Object.entries(s.detailedDiff ?? {})
        .filter(([, d]) => d.inputDiff)
        .map(([k]) => `${s.urn}: ${k}`),
    );
    assert.deepEqual(inputDiffs, [], "the imported state holds the old program's inputs");
  });
  after(() => ns?.stop());

  it("the upgrade alone (new image file, new cloud-init, same vmId): the VM keeps both, nothing replaced or rewritten", () => {
    const all = steps(upgraded());
    const vm = all.find((x) => x.newState?.type === "proxmoxve:index/vmLegacy:VmLegacy")!;
    assert.ok(!/replace/.test(vm.op), vm.op);
    // input differences only (the crafted state lacks what a real create reads back, see above)
    const keys = Object.entries((vm.detailedDiff ?? {}) as Record<string, { inputDiff: boolean }>)
      .filter(([, d]) => d.inputDiff)
      .map(([k]) => k);
    assert.deepEqual(
      keys.filter((k) => k.startsWith("disks[0].importFrom") || k.startsWith("initialization")),
      [],
    );
    assert.equal(vm.newState!.inputs.disks[0].importFrom, OLD_IMAGE, "ignoreChanges keeps the creation's image source in the inputs");
  });

  it("a new vmId after the upgrade: the replacement is created from the current image file and cloud-init, ignoreChanges notwithstanding", () => {
    const plan = upgraded(1115);
    const { ops, created } = vmStep(steps(plan));
    assert.deepEqual(ops, ["replace"]);
    assert.equal(created.vmId, 1115);
    assert.equal(created.disks[0].importFrom, NEW_IMAGE);
    assert.deepEqual(created.initialization.dns.servers, ["192.168.0.53", "192.168.0.54"]);
    assert.equal(
      created.initialization.ipConfigs[0].ipv4.address,
      nocloudIpConfig(plan.network, plan.nodes.find((n) => n.name === NODE)!).address,
    );
  });
});
