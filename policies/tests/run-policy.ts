// One policy of the pack run on captured resources, with the homelab policy config, the way the engine
// calls validateStack: violations collected, notApplicable recorded. Shared by the policy tests.
import type { CapturedResource } from "../../tests/helpers/capture";
import { allPolicies } from "../policies";
import * as homelabPolicyConfig from "../config/homelab.json";

/** The homelab policy config of one policy (a copy; {} when it has only a level). */
export function configFor(name: string): Record<string, any> {
  const v = (homelabPolicyConfig as Record<string, any>)[name];
  return v && typeof v === "object" ? { ...v } : {};
}

/** Runs one policy (by name) the way the engine would, collecting violations. */
export function runPolicy(name: string, resources: CapturedResource[], config = configFor(name)) {
  const policy = allPolicies.find((p) => p.name === name)!;
  const violations: string[] = [];
  let notApplicable: string | undefined;
  try {
    (policy as any).validateStack(
      {
        resources: resources.map((r) => ({ ...r, urn: `urn:${r.name}`, opts: {}, isSecret: () => false })),
        stackTags: new Map(),
        getConfig: () => config,
        notApplicable: (reason?: string) => {
          notApplicable = reason ?? "";
          throw new Error("__not_applicable__");
        },
      },
      (m: string) => violations.push(m),
    );
  } catch (e) {
    if ((e as Error).message !== "__not_applicable__") throw e;
  }
  return { violations, notApplicable };
}
