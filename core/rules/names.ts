// The rule names: shared by the rules' findings, the policy pack's policies and the policy config files.
export const RULE_NAMES = {
  oddControlPlaneCount: "odd-control-plane-count",
  talosMinimumSizing: "talos-minimum-sizing",
  recommendedSizing: "recommended-sizing",
  nonOverlappingNetworks: "non-overlapping-networks",
  uniqueNodeIdentity: "unique-node-identity",
  dnsServers: "dns-servers",
  ntpServers: "ntp-servers",
  controlPlaneSpread: "control-plane-spread",
  talosconfigEndpointsNotVip: "talosconfig-endpoints-not-vip",
  upgradePath: "upgrade-path",
  storagePlan: "storage-plan",
  storageAdvice: "storage-advice",
} as const;
