import { controlPlaneSpread } from "../../core/rules/cluster-rules";
import { stackPolicy } from "../stack-policy";

export const controlPlaneSpreadPolicy = stackPolicy({
  name: "control-plane-spread",
  description: "Control planes sit on distinct Proxmox hosts when more than one host exists.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Set a different host for each control-plane node.",
  judge: (facts) => controlPlaneSpread(facts),
});
