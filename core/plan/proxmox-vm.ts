// Values of the Proxmox VM and image resources that follow from the plan. Pure.
import { DEFAULT_IMAGE_FACTORY_URL } from "./raw-config";
import type { ImageDownload } from "./storage";
import type { NodePlan, Plan } from "./types";

/**
 * Seconds per GB a live migration with local disks takes: about 100 MB/s of a 1 GbE link, so 10 s per
 * GB, doubled for a link that carries other traffic (disks and RAM both cross it).
 */
export const MIGRATE_SECONDS_PER_GB = 20;

/** What a node's VM takes from its cluster and its Proxmox host (components/ProxmoxVm.ts). */
export interface VmSite {
  /** in the VM's description and tags */
  clusterName: string;
  /** the host's datastore: the VM's disks and its cloud-init drive */
  datastore: string;
  bridge: string;
  /** the node network's prefix length and gateway, and the DNS servers, for the first boot's cloud-init */
  prefix: number;
  gateway: string;
  dns: string[];
  /** the image has the qemu-guest-agent extension: the VM's agent is on */
  guestAgent: boolean;
}

export function vmSiteOf(plan: Plan, node: Pick<NodePlan, "host">): VmSite {
  const host = plan.proxmox.hosts.find((h) => h.name === node.host);
  if (!host) throw new Error(`node host ${node.host} is not one of proxmox.hosts`);
  return {
    clusterName: plan.clusterName,
    datastore: host.datastore,
    bridge: plan.proxmox.bridge,
    prefix: plan.network.prefix,
    gateway: plan.network.gateway,
    dns: plan.network.dns,
    guestAgent: plan.image.guestAgent,
  };
}
/** bpg's own default of `timeout_migrate` (proxmoxtf/resource/vm/vm.go:132), kept as the floor */
export const MIGRATE_TIMEOUT_FLOOR_S = 1800;

/**
 * `timeoutMigrate` of a VM: a host change live-migrates it with every local disk (bpg v0.111.1 sends
 * `with-local-disks`, vm.go:7829-7833) and waits at most this long (vm.go:6167-6172); past it the
 * provider reports an error while Proxmox keeps migrating. Sized from the VM's disks and RAM:
 * the reference workers' 600 GB take about 100 minutes on 1 GbE, three times bpg's 1800 s default.
 */
export function migrateTimeoutSeconds(node: Pick<NodePlan, "disks" | "memoryGiB">): number {
  const gb = node.disks.reduce((s, d) => s + d.sizeGB, 0) + node.memoryGiB;
  return Math.max(MIGRATE_TIMEOUT_FLOOR_S, Math.ceil((gb * MIGRATE_SECONDS_PER_GB) / 60) * 60);
}

/**
 * The Talos image's file name on Proxmox storage. It carries the cluster name: a second cluster on
 * the same Proxmox storage with the same Talos version and schematic would otherwise ask for the very
 * same file name, and the provider refuses a file that exists but is not its own ("File already
 * exists", fwprovider/nodes/resource_download_file.go:447-455), so that cluster's first `up` fails.
 * `.qcow2`: Proxmox picks the import format from the extension.
 */
export function imageFileName(plan: Pick<Plan, "clusterName" | "talosVersion">, schematicId: string): string {
  return `talos-${plan.clusterName}-${plan.talosVersion}-${schematicId.slice(0, 12)}-nocloud-amd64.qcow2`;
}

/**
 * Seconds the provider waits for the download (`upload_timeout`, default 600 s: resource_download_file.go:265-269).
 * The factory builds an image on first request and a home uplink may be slow; 600 s ran out while
 * Proxmox kept downloading.
 */
export const IMAGE_DOWNLOAD_TIMEOUT_S = 3600;

/**
 * The inputs of one image download (`proxmox.download.File`), as components/TalosImage.ts passes them
 * (there the file name and URL wait for the factory to have registered the schematic).
 */
export function imageDownloadArgs(
  plan: Pick<Plan, "clusterName" | "talosVersion"> & { image?: Pick<Plan["image"], "factoryUrl"> },
  d: Pick<ImageDownload, "host" | "datastore">,
  schematicId: string,
) {
  // the plan's factory (image.factoryUrl); the public one for callers that give no image settings
  const factory = (plan.image?.factoryUrl ?? DEFAULT_IMAGE_FACTORY_URL).replace(/\/+$/, "");
  return {
    nodeName: d.host,
    datastoreId: d.datastore,
    contentType: "import",
    fileName: imageFileName(plan, schematicId),
    url: `${factory}/image/${schematicId}/${plan.talosVersion}/nocloud-amd64.qcow2`,
    // no size checks against the factory: the file only seeds new OS disks
    overwrite: false,
    // A file of this cluster's name that the state does not hold is this cluster's own download whose
    // run stopped before it was recorded (a timeout, an interrupted `up`): the provider deletes it and
    // downloads again (resource_download_file.go:433-445) instead of failing every retry with
    // "File already exists".
    overwriteUnmanaged: true,
    uploadTimeout: IMAGE_DOWNLOAD_TIMEOUT_S,
  };
}
