import { dnsServers, ntpServers } from "../../core/rules/cluster-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { thresholdsFromPolicyConfig } from "../../core/rules/policy-config";
import { DEFAULT_THRESHOLDS } from "../../core/rules/thresholds";
import { stackPolicy } from "../stack-policy";

export const dnsServersPolicy = stackPolicy<{ minimum?: number }>({
  name: RULE_NAMES.dnsServers,
  description: "Nodes have at least two DNS servers.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "List at least two resolvers under network.dns.",
  configSchema: { properties: { minimum: { type: "number", default: DEFAULT_THRESHOLDS.minimumDnsServers } } },
  judge: (facts, c) => dnsServers(facts, thresholdsFromPolicyConfig({ [RULE_NAMES.dnsServers]: c })),
});

export const ntpServersPolicy = stackPolicy({
  name: RULE_NAMES.ntpServers,
  description: "Nodes have NTP servers set (etcd and certificates need synchronised clocks).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "List NTP servers under network.ntp.",
  judge: (facts) => ntpServers(facts),
});
