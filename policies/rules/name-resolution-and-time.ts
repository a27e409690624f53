import { nameResolutionAndTime } from "../../core/rules/cluster-rules";
import { DEFAULT_THRESHOLDS, mergeThresholds } from "../../core/rules/thresholds";
import { stackPolicy } from "../stack-policy";

export const dnsServersPolicy = stackPolicy<{ minimum?: number }>({
  name: "dns-servers",
  description: "Nodes have at least two DNS servers.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "List at least two resolvers under network.dns.",
  configSchema: { properties: { minimum: { type: "number", default: DEFAULT_THRESHOLDS.minimumDnsServers } } },
  judge: (facts, c) => nameResolutionAndTime({ ...facts, ntp: undefined }, mergeThresholds({ minimumDnsServers: c.minimum })),
});

export const ntpServersPolicy = stackPolicy({
  name: "ntp-servers",
  description: "Nodes have NTP servers set (etcd and certificates need synchronised clocks).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "List NTP servers under network.ntp.",
  judge: (facts) => nameResolutionAndTime({ ...facts, dns: undefined }, DEFAULT_THRESHOLDS),
});
