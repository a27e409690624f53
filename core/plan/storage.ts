// Proxmox storage for the Talos image: which datastores are shared between hosts, and therefore how
// many downloads the image needs. Pure.
import { ConfigProblem } from "./problems";
import { Plan, ProxmoxHostPlan } from "./types";

/** Storages Proxmox VE creates on every node as node-local; they can never be shared. */
const NODE_LOCAL = ["local", "local-lvm", "local-zfs"];

interface RawHost { name: string; datastore: string; imageDatastore: string }

/** Problems with `proxmox.sharedDatastores`, all at once. */
export function sharedDatastoreProblems(shared: string[], hosts: RawHost[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const used = new Set(hosts.flatMap((h) => [h.datastore, h.imageDatastore]));
  shared.forEach((d, i) => {
    const key = `homelab:proxmox.sharedDatastores[${i}]`;
    if (shared.indexOf(d) !== i) problems.push({ key, message: `"${d}" is listed twice`, fix: "list each shared datastore once" });
    else if (NODE_LOCAL.includes(d)) problems.push({ key, message: `"${d}" is node-local storage on every Proxmox host, it cannot be shared`, fix: `remove "${d}"; list only storages every host mounts (NFS, CephFS, ...)` });
    else if (!used.has(d)) problems.push({ key, message: `no host uses "${d}" as datastore or imageDatastore, so the entry does nothing`, fix: `remove it, or set \`imageDatastore: ${d}\` on the hosts that mount it` });
  });
  return problems;
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
