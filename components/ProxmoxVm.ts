import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { NodePlan, Plan } from "../core/plan/types";
import { nocloudIpConfig } from "../core/talos/cloud-init";

export interface ProxmoxVmArgs {
  plan: Plan;
  node: NodePlan;
  /** Proxmox file ID of the Talos nocloud image on this node's host */
  imageFileId: pulumi.Input<string>;
  proxmoxProvider: pulumi.ProviderResource;
}

/** One Talos VM (VmLegacy: the provider's production VM resource). */
export class ProxmoxVm extends pulumi.ComponentResource {
  public readonly vm: proxmox.VmLegacy;
  public readonly vmId: pulumi.Output<number>;

  constructor(name: string, args: ProxmoxVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:ProxmoxVm", name, {}, opts);
    const { plan, node } = args;
    const host = plan.proxmox.hosts.find((h) => h.name === node.host)!;
    const disk = (slot: string, sizeGB: number, fileId?: pulumi.Input<string>): proxmox.types.input.VmLegacyDisk => ({
      interface: slot, datastoreId: host.datastore, size: sizeGB, fileFormat: "raw",
      discard: "on", ssd: true, iothread: true, ...(fileId ? { fileId } : {}),
    });
    this.vm = new proxmox.VmLegacy(name, {
      name: node.name,
      nodeName: node.host,
      vmId: node.vmId,
      description: `Talos ${node.role} of ${plan.clusterName} (managed by Pulumi)`,
      tags: [plan.clusterName, node.role, "talos"],
      onBoot: true,
      // control planes come up first after a host reboot; workers wait for the API
      startup: { order: node.startupOrder, upDelay: node.role === "controlplane" ? 30 : 0 },
      agent: { enabled: true, trim: true, timeout: "2m" },
      cpu: { cores: node.cpu, sockets: 1, type: "x86-64-v2-AES" },
      memory: { dedicated: Math.round(node.memoryGiB * 1024) },
      operatingSystem: { type: "l26" },
      machine: "q35",
      scsiHardware: "virtio-scsi-single",
      disks: node.disks.map((d) => disk(d.slot, d.sizeGB, d.purpose === "os" ? args.imageFileId : undefined)),
      networkDevices: [{ bridge: plan.proxmox.bridge, model: "virtio", ...(node.mac ? { macAddress: node.mac } : {}) }],
      // NoCloud network data: the node boots with its planned static IP in maintenance mode, so the
      // Talos provider can reach it there to apply the machine config.
      initialization: {
        type: "nocloud",
        datastoreId: host.datastore,
        ipConfigs: [{ ipv4: nocloudIpConfig(plan, node) }],
        dns: { servers: plan.network.dns },
      },
      stopOnDestroy: true,
    // The image only seeds the OS disk at creation; a new Talos version is an in-place
    // `talosctl upgrade`, never a replaced VM.
    }, { parent: this, provider: args.proxmoxProvider, ignoreChanges: ["disks[0].fileId"] });
    this.vmId = this.vm.vmId.apply((id) => id ?? node.vmId);
    this.registerOutputs({ vmId: this.vmId });
  }
}
