// Data disks stay raw for Ceph, judged on the full machine config Talos's own code renders from our
// patches and then validates (tools/talos-validate, per supported minor, metal mode, strict):
//  - no generated config formats, partitions or mounts a disk: no `machine.disks`, no volume document
//    (UserVolumeConfig, RawVolumeConfig, ExistingVolumeConfig, ExternalVolumeConfig, SwapVolumeConfig,
//    VolumeConfig), so Talos provisions only its system disk;
//  - the install disk is the OS disk: `machine.install.disk` is INSTALL_DISK with no selector, and the
//    plan puts the OS disk (the only one seeded with the Talos image) in slot scsi0, data disks after it.
// Why the install disk cannot land on a data disk (Talos v1.11.5, v1.12.1, v1.13.0 sources): the install
// step runs only while no META partition exists (MachineState.Installed); the VM boots the nocloud image
// imported into the OS disk, which carries META, so install.disk is never used to install; upgrades and
// rollbacks use the system disk found by its META partition (block.SystemDiskController, GetSystemDisk),
// not install.disk; EPHEMERAL and STATE stay on the system disk without a VolumeConfig saying otherwise.
// A negative control shows the check can fail: Talos accepts configs that do claim a data disk.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { patchStrings } from "../../components/TalosNode";
import type { Plan, TalosMinor } from "../../core/plan/types";
import { INSTALL_DISK } from "../../core/talos/patches";
import { TALOS_MINORS, talosMachineryVersion, talosValidateBin } from "../helpers/judges";
import { stackPlan } from "../helpers/stacks";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
const RELEASES: Record<TalosMinor, { talos: string; kubernetes: string }> = {
  "1.11": { talos: "v1.11.5", kubernetes: "v1.34.1" },
  "1.12": { talos: "v1.12.1", kubernetes: "v1.35.0" },
  "1.13": { talos: "v1.13.0", kubernetes: "v1.36.0" },
};
/** Every Talos document kind that provisions, formats or mounts a volume (pkg/machinery/config/types/block, 1.11-1.13). */
const VOLUME_KINDS = [
  "UserVolumeConfig",
  "RawVolumeConfig",
  "ExistingVolumeConfig",
  "ExternalVolumeConfig",
  "SwapVolumeConfig",
  "VolumeConfig",
];

/** The reference plan at a minor, with talos-wrk-02 carrying two data disks. */
function planFor(minor: TalosMinor): Plan {
  return stackPlan("homelab", (c) => {
    c.versions.talos = RELEASES[minor].talos;
    c.versions.kubernetes = RELEASES[minor].kubernetes;
    c.nodes.find((n: { name: string }) => n.name === "talos-wrk-02").dataDisksGB = [500, 500];
  });
}

interface NodeResult {
  name: string;
  warnings: string[];
  error?: string;
  config?: string;
}

function renderAndValidate(minor: TalosMinor, plan: Plan, patchesOf: (n: Plan["nodes"][number]) => string[]) {
  const request = {
    clusterName: plan.clusterName,
    clusterEndpoint: plan.endpoint.url,
    talosVersion: plan.talosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    render: true,
    nodes: plan.nodes.map((n) => ({ name: n.name, type: n.role, patches: patchesOf(n) })),
  };
  const r = spawnSync(talosValidateBin(minor), [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  assert.ok(r.status === 0 || r.status === 1, `talos-validate-${minor} could not judge the request (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, results: JSON.parse(r.stdout) as NodeResult[] };
}

/** What in a rendered config would touch a disk other than Talos's system disk, or choose the install disk by anything but INSTALL_DISK. */
function diskClaims(config: string): string[] {
  const docs = parseAllDocuments(config)
    .map((d) => d.toJSON())
    .filter((d) => d && typeof d === "object");
  const out: string[] = [];
  for (const d of docs) {
    if (!("kind" in d)) {
      for (const disk of d.machine?.disks ?? [])
        out.push(`machine.disks: ${disk.device} (${(disk.partitions ?? []).map((p: any) => p.mountpoint).join(", ")})`);
      const install = d.machine?.install ?? {};
      if (install.diskSelector) out.push(`machine.install.diskSelector ${JSON.stringify(install.diskSelector)}`);
      if (install.disk !== INSTALL_DISK) out.push(`machine.install.disk ${install.disk}`);
      if (install.wipe) out.push("machine.install.wipe");
    } else if (VOLUME_KINDS.includes(d.kind)) {
      out.push(`${d.kind} ${d.name}${d.provisioning?.diskSelector ? ` on ${d.provisioning.diskSelector.match}` : ""}`);
    }
  }
  return out;
}

describe("the plan puts the OS disk where the install disk points", () => {
  it("slot scsi0 is the OS disk on every node, data disks follow it; INSTALL_DISK names that slot's device", () => {
    const plan = planFor("1.11");
    for (const n of plan.nodes) {
      assert.deepEqual(n.disks[0], { slot: "scsi0", sizeGB: n.osDiskGB, purpose: "os" }, n.name);
      assert.deepEqual(
        n.disks.slice(1).map((d) => [d.slot, d.purpose]),
        n.dataDisksGB.map((_, i) => [`scsi${i + 1}`, "data"]),
        n.name,
      );
    }
    // virtio-scsi-single: one controller per disk, scsi0's first; its disk is the first SCSI disk
    assert.equal(INSTALL_DISK, "/dev/sda");
  });
});

for (const minor of TALOS_MINORS) {
  describe(`Talos ${minor} machinery (${talosMachineryVersion(minor)}): data disks stay raw`, () => {
    it("every node's rendered config is valid and formats, partitions or mounts nothing but the system disk", () => {
      const plan = planFor(minor);
      const out = renderAndValidate(minor, plan, (n) => patchStrings(plan, n, SCHEMATIC));
      assert.equal(out.status, 0, JSON.stringify(out.results.filter((r) => r.error)));
      assert.deepEqual(
        out.results.map((r) => r.name),
        plan.nodes.map((n) => n.name),
      );
      for (const r of out.results) {
        assert.deepEqual([r.error, r.warnings], [undefined, []], r.name);
        assert.deepEqual(diskClaims(r.config!), [], r.name);
        const v1 = parseAllDocuments(r.config!)
          .map((d) => d.toJSON())
          .find((d) => !("kind" in d));
        assert.deepEqual([v1.machine.install.disk, v1.machine.install.wipe], [INSTALL_DISK, false], r.name);
      }
      // the node with two data disks renders the same storage settings as one without
      assert.ok(plan.nodes.find((n) => n.name === "talos-wrk-02")!.dataDisksGB.length === 2);
    });

    it("negative control: Talos accepts configs that claim a data disk, and the check catches exactly those nodes", () => {
      const plan = planFor(minor);
      const claim: Record<string, object> = {
        "talos-wrk-01": {
          apiVersion: "v1alpha1",
          kind: "UserVolumeConfig",
          name: "ceph-data",
          provisioning: { diskSelector: { match: "!system_disk" }, minSize: "10GB" },
        },
        "talos-wrk-02": { machine: { disks: [{ device: "/dev/sdb", partitions: [{ mountpoint: "/var/mnt/data" }] }] } },
        "talos-wrk-03": { machine: { install: { diskSelector: { size: ">= 200GB" } } } },
      };
      const out = renderAndValidate(minor, plan, (n) => [
        ...patchStrings(plan, n, SCHEMATIC),
        ...(claim[n.name] ? [stringify(claim[n.name])] : []),
      ]);
      assert.equal(out.status, 0, JSON.stringify(out.results.filter((r) => r.error)));
      const flagged = Object.fromEntries(out.results.map((r) => [r.name, diskClaims(r.config!)]).filter(([, c]) => c.length));
      assert.deepEqual(Object.keys(flagged), ["talos-wrk-01", "talos-wrk-02", "talos-wrk-03"]);
      assert.match(flagged["talos-wrk-01"].join(), /UserVolumeConfig ceph-data on !system_disk/);
      assert.match(flagged["talos-wrk-02"].join(), /machine\.disks: \/dev\/sdb \(\/var\/mnt\/data\)/);
      assert.match(flagged["talos-wrk-03"].join(), /machine\.install\.diskSelector/);
    });
  });
}
