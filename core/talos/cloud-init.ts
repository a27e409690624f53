// Cloud-init network data for the nocloud image: the node boots with its planned static IP before any
// Talos machine config exists, so the provider can reach it at that IP to apply the config.
import type { NodePlan, Plan } from "../plan/types";

export function nocloudIpConfig(plan: Plan, node: NodePlan): { address: string; gateway: string } {
  return { address: `${node.ip}/${plan.network.prefix}`, gateway: plan.network.gateway };
}
