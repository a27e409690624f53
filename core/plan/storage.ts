// Proxmox storage for the Talos image: which datastores are shared between hosts, and therefore how
// many downloads the image needs. Pure. The checks of these settings are checks/proxmox.ts.
import type { Plan, ProxmoxHostPlan } from "./types";

/**
 * The content types each datastore needs (pve-storage): VM disks and the cloud-init drive go to
 * `datastore` (`images`); the Talos image is downloaded to `imageDatastore` as `import`, which only
 * file-based storages offer (the Dir, NFS, CIFS, CephFS and BTRFS plugins; LVM, LVM-thin, ZFS, RBD
 * and iSCSI hold `images` and `rootdir` at most).
 */
export const DATASTORE_CONTENT = { datastore: "images", imageDatastore: "import" } as const;
export const IMPORT_STORAGE_TYPES = ["Dir", "NFS", "CIFS", "CephFS", "BTRFS"] as const;

/**
 * The storages the Proxmox VE installer creates on block storage, by name: `local-lvm` (LVM-thin, on
 * an ext4/xfs install) and `local-zfs` (ZFS pool, on a ZFS install), both with content `images,rootdir`
 * only. The stack file names a storage but not its type; these two names are the installer's, so their
 * type is known without asking Proxmox. Any other name is checked by Proxmox itself, and the
 * preflight prints what it needs (datastoreContentNotes).
 */
export const INSTALLER_BLOCK_STORAGES: Record<string, string> = { "local-lvm": "LVM-thin", "local-zfs": "ZFS pool" };

/** What each host's datastores must offer, for the preflight's notes (the stack file cannot say a storage's type). */
export function datastoreContentNotes(plan: Pick<Plan, "proxmox" | "nodes">): string[] {
  const used = new Set(plan.nodes.map((n) => n.host));
  return plan.proxmox.hosts
    .filter((h) => used.has(h.name))
    .map(
      (h) =>
        `Proxmox host ${h.name}: datastore \`${h.datastore}\` needs the \`${DATASTORE_CONTENT.datastore}\` content type (VM disks, cloud-init drive); ` +
        `imageDatastore \`${h.imageDatastore}\` needs \`${DATASTORE_CONTENT.imageDatastore}\`, which only a file-based storage (${IMPORT_STORAGE_TYPES.join(", ")}) offers. ` +
        `Check on the host: \`pvesm status --content ${DATASTORE_CONTENT.datastore}\` and \`pvesm status --content ${DATASTORE_CONTENT.imageDatastore}\` list the storages that have it`,
    );
}

export function hostPlans(hosts: Omit<ProxmoxHostPlan, "imageShared">[], shared: string[]): ProxmoxHostPlan[] {
  return hosts.map((h) => ({ ...h, imageShared: shared.includes(h.imageDatastore) }));
}

export interface ImageDownload {
  /** the host whose API downloads the file */
  host: string;
  datastore: string;
  /** on storage every host shares: the one download there, whichever host makes it */
  shared: boolean;
  /** hosts whose VMs import from this file */
  servesHosts: string[];
}

/** The download's resource name: on shared storage by datastore alone, so it stays when the host doing it changes. */
export function imageDownloadName(prefix: string, d: ImageDownload): string {
  return d.shared ? `${prefix}-shared-${d.datastore}` : `${prefix}-${d.host}-${d.datastore}`;
}

/**
 * One download per host and image datastore, except on shared storage: there one download (on the
 * first host, in stack-file order, that uses it) serves every host, since a second download of the
 * same file name onto the same storage fails.
 */
export function imageDownloads(plan: Pick<Plan, "proxmox" | "nodes">): ImageDownload[] {
  const usedHosts = new Set(plan.nodes.map((n) => n.host));
  const out: ImageDownload[] = [];
  for (const h of plan.proxmox.hosts.filter((x) => usedHosts.has(x.name))) {
    const existing = h.imageShared ? out.find((d) => d.shared && d.datastore === h.imageDatastore) : undefined;
    if (existing) existing.servesHosts.push(h.name);
    else out.push({ host: h.name, datastore: h.imageDatastore, shared: h.imageShared, servesHosts: [h.name] });
  }
  return out;
}
