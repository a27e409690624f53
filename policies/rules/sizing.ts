import { recommendedSizing, talosMinimumSizing } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { thresholdsFromPolicyConfig } from "../../core/rules/policy-config";
import { DEFAULT_THRESHOLDS, type SizingThreshold } from "../../core/rules/thresholds";
import { stackPolicy } from "../stack-policy";

const sizeSchema = (d: SizingThreshold) => ({
  type: "object" as const,
  properties: {
    cpu: { type: "number" as const, default: d.cpu },
    memoryGiB: { type: "number" as const, default: d.memoryGiB },
    diskGB: { type: "number" as const, default: d.diskGB },
  },
});

export interface RecommendedSizingConfig {
  controlplane?: Partial<SizingThreshold>;
  worker?: Partial<SizingThreshold>;
}

export const recommendedSizingPolicy = stackPolicy<RecommendedSizingConfig>({
  name: RULE_NAMES.recommendedSizing,
  description: "Nodes meet the recommended size for their role (defaults from the reference plan).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Raise cpu, memoryGiB or osDiskGB of the node, or lower the thresholds in this stack's policy config.",
  configSchema: {
    properties: {
      controlplane: sizeSchema(DEFAULT_THRESHOLDS.recommendedSizing.controlplane),
      worker: sizeSchema(DEFAULT_THRESHOLDS.recommendedSizing.worker),
    },
  },
  judge: (facts, c) => recommendedSizing(facts, thresholdsFromPolicyConfig({ [RULE_NAMES.recommendedSizing]: c })),
});

export const talosMinimumSizingPolicy = stackPolicy({
  name: RULE_NAMES.talosMinimumSizing,
  description: "Nodes meet Talos's own minimum (control plane 2 vCPU/2 GiB/10 GB, worker 1 vCPU/1 GiB/10 GB).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Raise the node's cpu, memoryGiB or osDiskGB to at least Talos's minimum.",
  judge: (facts) => talosMinimumSizing(facts),
});
