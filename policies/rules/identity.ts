import { uniqueNodeIdentity } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { stackPolicy } from "../stack-policy";

export const uniqueNodeIdentityPolicy = stackPolicy({
  name: RULE_NAMES.uniqueNodeIdentity,
  description: "Every node has its own IP, hostname and Proxmox VM ID.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Give the duplicated node its own name, ip and vmId.",
  judge: (facts) => uniqueNodeIdentity(facts),
});
