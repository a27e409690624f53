import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import type { NodePlan } from "../core/plan/types";
import { migrateTimeoutSeconds, type VmSite } from "../core/plan/proxmox-vm";
import { nocloudIpConfig } from "../core/talos/cloud-init";

export interface ProxmoxVmArgs {
  /** what the VM takes from its cluster and host (vmSiteOf(plan, node) in the program) */
  site: VmSite;
  node: NodePlan;
  /** Proxmox volume ID (`<datastore>:import/<file>`) of the Talos nocloud image this node's host sees */
  imageFileId: pulumi.Input<string>;
  proxmoxProvider: pulumi.ProviderResource;
}

/** One Talos VM (VmLegacy: the provider's production VM resource). */
export class ProxmoxVm extends pulumi.ComponentResource {
  public readonly vm: proxmox.VmLegacy;
  public readonly vmId: pulumi.Output<number>;

  constructor(name: string, args: ProxmoxVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:ProxmoxVm", name, {}, opts);
    const { site, node } = args;
    // `importFrom` makes Proxmox copy the image into the new disk through its API; `fileId` would make
    // the provider SSH into the host and run `qm disk import` there.
    const disk = (slot: string, sizeGB: number, importFrom?: pulumi.Input<string>): proxmox.types.input.VmLegacyDisk => ({
      interface: slot,
      datastoreId: site.datastore,
      size: sizeGB,
      fileFormat: "raw",
      discard: "on",
      ssd: true,
      iothread: true,
      ...(importFrom ? { importFrom } : {}),
    });
    this.vm = new proxmox.VmLegacy(
      name,
      {
        name: node.name,
        nodeName: node.host,
        vmId: node.vmId,
        description: `Talos ${node.role} of ${site.clusterName} (managed by Pulumi)`,
        // sorted as Proxmox stores them (the provider sorts and compares them ignoring order itself)
        tags: [site.clusterName, node.role, "talos"].sort(),
        onBoot: true,
        // control planes come up first after a host reboot; workers wait for the API
        startup: { order: node.startupOrder, upDelay: node.role === "controlplane" ? 30 : 0 },
        // Only an image with the qemu-guest-agent extension answers the agent; without it every create
        // would wait out the agent timeout. The IP is static and known, so never wait for the agent
        // to report one.
        agent: { enabled: site.guestAgent, trim: site.guestAgent, timeout: "2m", waitForIp: { disabled: true } },
        cpu: { cores: node.cpu, sockets: 1, type: "x86-64-v2-AES" },
        memory: { dedicated: Math.round(node.memoryGiB * 1024) },
        operatingSystem: { type: "l26" },
        machine: "q35",
        // the nocloud image sends the kernel console to ttyS0; without a serial port boot logs are invisible
        serialDevices: [{ device: "socket" }],
        scsiHardware: "virtio-scsi-single",
        // An empty CD drive. Left unset, the provider's default (file "", interface ide3) creates the drive
        // as `ide3: cdrom,media=cdrom`, the HOST's physical drive (bpg v0.111.1 vm.go:3067-3069), first in
        // the boot order, and Proxmox refuses to migrate a VM with it ("can't migrate local cdrom drive"),
        // so a host move would fail (tests/lifecycle/proxmox-vms.test.ts, j).
        cdrom: { fileId: "none", interface: "ide3" },
        disks: node.disks.map((d) => disk(d.slot, d.sizeGB, d.purpose === "os" ? args.imageFileId : undefined)),
        networkDevices: [{ bridge: site.bridge, model: "virtio", ...(node.mac ? { macAddress: node.mac } : {}) }],
        // NoCloud network data: the node boots with its planned static IP in maintenance mode, so the
        // Talos provider can reach it there to apply the machine config.
        initialization: {
          type: "nocloud",
          datastoreId: site.datastore,
          ipConfigs: [{ ipv4: nocloudIpConfig(site, node) }],
          dns: { servers: site.dns },
        },
        stopOnDestroy: true,
        // Never restart a VM from here: one edit would restart every VM at once, control planes
        // included. CPU/memory changes stay pending; the program lists the VMs to roll one at a time.
        rebootAfterUpdate: false,
        // A host change live-migrates the VM instead of replacing it, with every local disk; the wait is
        // sized from the VM's disks (bpg's 1800 s default is a third of what 600 GB take on 1 GbE).
        migrate: true,
        timeoutMigrate: migrateTimeoutSeconds(node),
      },
      {
        parent: this,
        provider: args.proxmoxProvider,
        // The VM ID is fixed, so a replacement must delete the old VM before creating the new one.
        deleteBeforeReplace: true,
        // The image only seeds the OS disk at creation; a new Talos version is an in-place
        // `talosctl upgrade`, never a replaced VM (fileId: what VMs created before importFrom carry).
        // Cloud-init data matters only at first boot (the machine config sets IP and DNS afterwards);
        // changing it must neither rewrite nor restart running VMs.
        // disks[i].speed: the bridge's Check fills an all-zero `speed` block into every disk (the TF schema's
        // DefaultFunc), while the provider reads a disk without limits back as no block, so every run would
        // update every VM (tests/lifecycle/proxmox-vms.test.ts, b). The program sets no limits; the bridge
        // matches ignored paths exactly, so one entry per disk index (no wildcard).
        ignoreChanges: ["disks[0].importFrom", "disks[0].fileId", "initialization", ...node.disks.map((_, i) => `disks[${i}].speed`)],
      },
    );
    this.vmId = this.vm.vmId.apply((id) => id ?? node.vmId);
    this.registerOutputs({ vmId: this.vmId });
  }
}
