import { nonOverlappingNetworks } from "../../core/rules/network-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { stackPolicy } from "../stack-policy";

export const nonOverlappingNetworksPolicy = stackPolicy({
  name: RULE_NAMES.nonOverlappingNetworks,
  description: "Node subnet, pod CIDR, service CIDR, LB pool, VIP and DHCP range do not collide.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Move the colliding range; keep the VIP and the LB pool inside the node subnet but clear of node IPs and of each other.",
  configSchema: {
    properties: {
      dhcpRange: { type: "object", properties: { start: { type: "string" }, stop: { type: "string" } } },
    },
  },
  judge: (facts) => nonOverlappingNetworks(facts),
});
