import { talosEndpointsNotVip } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { stackPolicy } from "../stack-policy";

export const talosEndpointsNotVipPolicy = stackPolicy({
  name: RULE_NAMES.talosconfigEndpointsNotVip,
  description: "Talos API endpoints (config apply, bootstrap, kubeconfig) are control-plane IPs, not the VIP.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Point talosconfig and Talos resources at the control-plane IPs; the VIP is down exactly when you need talosctl.",
  judge: (facts) => talosEndpointsNotVip(facts),
});
