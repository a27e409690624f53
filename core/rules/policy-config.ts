// Reads rule thresholds from a policy-pack config file (the JSON `pulumi preview --policy-pack-config`
// takes), so the program and the preflight command use exactly the thresholds the pack enforces.
import { mergeThresholds, Thresholds } from "./thresholds";

export const POLICY_NAMES = {
  oddControlPlaneCount: "odd-control-plane-count",
  talosMinimumSizing: "talos-minimum-sizing",
  recommendedSizing: "recommended-sizing",
  nonOverlappingNetworks: "non-overlapping-networks",
  uniqueNodeIdentity: "unique-node-identity",
  dnsServers: "dns-servers",
  ntpServers: "ntp-servers",
  controlPlaneSpread: "control-plane-spread",
  talosconfigEndpointsNotVip: "talosconfig-endpoints-not-vip",
} as const;

type PolicyConfigFile = Record<string, unknown>;

export function thresholdsFromPolicyConfig(file: PolicyConfigFile | undefined): Thresholds {
  const get = (name: string) => {
    const v = file?.[name];
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  };
  const odd = get(POLICY_NAMES.oddControlPlaneCount);
  const sizing = get(POLICY_NAMES.recommendedSizing);
  const dns = get(POLICY_NAMES.dnsServers);
  return mergeThresholds({
    allowSingleControlPlane: typeof odd.allowSingleControlPlane === "boolean" ? odd.allowSingleControlPlane : undefined,
    recommendedSizing: {
      controlplane: (sizing.controlplane as object | undefined) ?? undefined,
      worker: (sizing.worker as object | undefined) ?? undefined,
    },
    minimumDnsServers: typeof dns.minimum === "number" ? dns.minimum : undefined,
  });
}

/** Enforcement level a policy config file sets for a rule ("advisory", "mandatory", "disabled"). */
export function enforcementOf(file: PolicyConfigFile | undefined, name: string): string | undefined {
  const v = file?.[name];
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { enforcementLevel?: unknown }).enforcementLevel === "string") return (v as { enforcementLevel: string }).enforcementLevel;
  return undefined;
}
