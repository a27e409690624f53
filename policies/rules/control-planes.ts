import { oddControlPlaneCount } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { thresholdsFromPolicyConfig } from "../../core/rules/policy-config";
import { DEFAULT_THRESHOLDS } from "../../core/rules/thresholds";
import { stackPolicy } from "../stack-policy";

export interface OddControlPlaneConfig {
  allowSingleControlPlane?: boolean;
}

export const oddControlPlaneCountPolicy = stackPolicy<OddControlPlaneConfig>({
  name: RULE_NAMES.oddControlPlaneCount,
  description: "An odd number of control planes (etcd quorum); 3 or more recommended, 1 only where allowed.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Use 3 (or 5) control planes. A single control plane is allowed only with allowSingleControlPlane: true.",
  configSchema: { properties: { allowSingleControlPlane: { type: "boolean", default: DEFAULT_THRESHOLDS.allowSingleControlPlane } } },
  judge: (facts, c) => oddControlPlaneCount(facts, thresholdsFromPolicyConfig({ [RULE_NAMES.oddControlPlaneCount]: c })),
});
