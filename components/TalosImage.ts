import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { stringify } from "yaml";
import { Plan } from "../core/plan/types";
import { schematic } from "../core/talos/patches";

export interface TalosImageArgs {
  plan: Plan;
  proxmoxProvider: pulumi.ProviderResource;
}

/**
 * The Image Factory schematic (extensions) and the nocloud disk image, downloaded once per
 * Proxmox host and image datastore, never per VM.
 */
export class TalosImage extends pulumi.ComponentResource {
  public readonly schematicId: pulumi.Output<string>;
  /** Proxmox file ID of the image, by "host/datastore" */
  public readonly fileIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: TalosImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:TalosImage", name, {}, opts);
    const { plan } = args;
    const sch = new talos.imagefactory.Schematic(`${name}-schematic`, { schematic: stringify(schematic(plan)) }, { parent: this });
    this.schematicId = sch.id;
    this.fileIds = {};
    const usedHosts = new Set(plan.nodes.map((n) => n.host));
    for (const host of plan.proxmox.hosts.filter((h) => usedHosts.has(h.name))) {
      const key = `${host.name}/${host.imageDatastore}`;
      if (this.fileIds[key]) continue;
      const file = new proxmox.download.FileLegacy(`${name}-${host.name}-${host.imageDatastore}`, {
        nodeName: host.name,
        datastoreId: host.imageDatastore,
        contentType: "iso",
        fileName: pulumi.interpolate`talos-${plan.talosVersion}-${sch.id.apply((id) => id.slice(0, 12))}-nocloud-amd64.img`,
        url: pulumi.interpolate`https://factory.talos.dev/image/${sch.id}/${plan.talosVersion}/nocloud-amd64.raw.gz`,
        decompressionAlgorithm: "gz",
        overwrite: false,
      }, { parent: this, provider: args.proxmoxProvider });
      this.fileIds[key] = file.id;
    }
    this.registerOutputs({ schematicId: this.schematicId });
  }
}
