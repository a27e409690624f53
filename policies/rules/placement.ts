import { controlPlaneSpread } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { stackPolicy } from "../stack-policy";

export const controlPlaneSpreadPolicy = stackPolicy({
  name: RULE_NAMES.controlPlaneSpread,
  description: "Control planes sit on distinct Proxmox hosts when more than one host exists.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Set a different host for each control-plane node.",
  judge: (facts) => controlPlaneSpread(facts),
});
