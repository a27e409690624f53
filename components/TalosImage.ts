import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { stringify } from "yaml";
import type { Plan } from "../core/plan/types";
import { imageDownloadName, imageDownloads } from "../core/plan/storage";
import { imageDownloadArgs } from "../core/plan/proxmox-vm";
import { DEFAULT_IMAGE_FACTORY_URL } from "../core/plan/raw-config";
import { schematic } from "../core/talos/patches";
import { checkFactorySchematicId, schematicId } from "../core/talos/schematic-id";

export interface TalosImageArgs {
  plan: Plan;
  proxmoxProvider: pulumi.ProviderResource;
}

/**
 * The Image Factory schematic (extensions) and the nocloud disk image, downloaded once per
 * Proxmox host and image datastore (once per shared datastore), never per VM, from the plan's Image
 * Factory (image.factoryUrl).
 */
export class TalosImage extends pulumi.ComponentResource {
  /**
   * Computed locally from the schematic document (the factory's own hash), so config patches that
   * embed it are known on a first preview and the policy pack can judge them.
   */
  public readonly schematicId: string;
  /** Proxmox volume ID (`<datastore>:import/<file>`) of the image each host's VMs import, by host name */
  public readonly fileIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: TalosImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:TalosImage", name, {}, opts);
    const { plan } = args;
    const doc = schematic(plan);
    this.schematicId = schematicId(doc);
    // Still registered with the factory: it serves images only for schematics it knows. The
    // download waits for it, and stops if the factory's ID is not the one the configs carry.
    // A self-hosted factory (image.factoryUrl) registers the schematic there too. The public one keeps
    // the default provider, so stacks created before the key existed see no provider change.
    const factoryProvider =
      plan.image.factoryUrl === DEFAULT_IMAGE_FACTORY_URL
        ? undefined
        : new talos.Provider(`${name}-factory`, { imageFactoryUrl: plan.image.factoryUrl }, { parent: this });
    const sch = new talos.imagefactory.Schematic(
      `${name}-schematic`,
      { schematic: stringify(doc) },
      { parent: this, provider: factoryProvider },
    );
    const registeredId = sch.id.apply((id) => checkFactorySchematicId(id, this.schematicId));
    this.fileIds = {};
    // The image is imported through the Proxmox API (`import` content type, disk `importFrom`), which
    // needs an uncompressed disk image: the factory serves nocloud-amd64.qcow2. The older raw.gz path
    // needed the `iso` type and an SSH login to the host to import the disk.
    for (const d of imageDownloads(plan)) {
      // every input from core/plan/proxmox-vm.ts; the file name and URL wait for the factory's answer
      const file = new proxmox.download.File(
        imageDownloadName(name, d),
        {
          ...imageDownloadArgs(plan, d, this.schematicId),
          fileName: registeredId.apply((id) => imageDownloadArgs(plan, d, id).fileName),
          url: registeredId.apply((id) => imageDownloadArgs(plan, d, id).url),
        },
        {
          parent: this,
          provider: args.proxmoxProvider,
          // same name and inputs as the deprecated FileLegacy it replaces, so existing state moves
          aliases: [{ type: "proxmoxve:download/fileLegacy:FileLegacy" }],
          // on shared storage the old and the new download are the same file: remove the old one first
          // (VMs keep the disks they imported; the file only seeds new ones)
          deleteBeforeReplace: d.shared,
        },
      );
      for (const h of d.servesHosts) this.fileIds[h] = file.id;
    }
    this.registerOutputs({ schematicId: this.schematicId });
  }
}
