// Reads rule thresholds from a policy-pack config file (the JSON `pulumi preview --policy-pack-config`
// takes), so the program and the preflight command use exactly the thresholds the pack enforces.
import { RULE_NAMES } from "./names";
import { mergeThresholds, type Thresholds } from "./thresholds";

type PolicyConfigFile = Record<string, unknown>;

export function thresholdsFromPolicyConfig(file: PolicyConfigFile | undefined): Thresholds {
  const get = (name: string) => {
    const v = file?.[name];
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  };
  const odd = get(RULE_NAMES.oddControlPlaneCount);
  const sizing = get(RULE_NAMES.recommendedSizing);
  const dns = get(RULE_NAMES.dnsServers);
  const storagePlan = get(RULE_NAMES.storagePlan);
  const storageAdvice = get(RULE_NAMES.storageAdvice);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  return mergeThresholds({
    allowSingleControlPlane: typeof odd.allowSingleControlPlane === "boolean" ? odd.allowSingleControlPlane : undefined,
    recommendedSizing: {
      controlplane: sizing.controlplane as object | undefined,
      worker: sizing.worker as object | undefined,
    },
    minimumDnsServers: typeof dns.minimum === "number" ? dns.minimum : undefined,
    storage: {
      replicas: num(storagePlan.replicas),
      recommendedOsdGB: num(storageAdvice.recommendedOsdGB),
      osDiskGB: num(storageAdvice.osDiskGB),
      workerOsDiskWithDataGB: num(storageAdvice.workerOsDiskWithDataGB),
    },
  });
}

/** Enforcement level a policy config file sets for a rule ("advisory", "mandatory", "disabled"). */
export function enforcementOf(file: PolicyConfigFile | undefined, name: string): string | undefined {
  const v = file?.[name];
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { enforcementLevel?: unknown }).enforcementLevel === "string")
    return (v as { enforcementLevel: string }).enforcementLevel;
  return undefined;
}

/** Rules whose level a config file may not lower (Talos's own floor). */
const FIXED_MANDATORY = new Set<string>([RULE_NAMES.talosMinimumSizing]);

/** Re-levels findings by the enforcement levels of a policy config file; "disabled" drops them. */
export function applyEnforcement<T extends { rule: string; severity: "mandatory" | "advisory" }>(
  findings: T[],
  file: PolicyConfigFile | undefined,
): T[] {
  const out: T[] = [];
  for (const f of findings) {
    if (FIXED_MANDATORY.has(f.rule)) {
      out.push(f);
      continue;
    }
    const level = enforcementOf(file, f.rule) ?? (f.severity === "advisory" ? undefined : enforcementOf(file, "all"));
    if (level === "disabled") continue;
    out.push(level === "advisory" || level === "mandatory" ? { ...f, severity: level } : f);
  }
  return out;
}
