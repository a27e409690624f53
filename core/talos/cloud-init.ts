// Cloud-init network data for the nocloud image: the node boots with its planned static IP before any
// Talos machine config exists, so the provider can reach it at that IP to apply the config.
import type { VmSite } from "../plan/proxmox-vm";
import type { NodePlan } from "../plan/types";

export function nocloudIpConfig(
  site: Pick<VmSite, "prefix" | "gateway">,
  node: Pick<NodePlan, "ip">,
): { address: string; gateway: string } {
  return { address: `${node.ip}/${site.prefix}`, gateway: site.gateway };
}
