// The Cilium releases the program configures. Not Talos's to say: the program writes Cilium's own
// resources (Helm values, the LB IPAM pool, L2 announcements), whose API versions follow Cilium's minor.
import semver from "semver";
import type { CiliumPlan } from "../plan/types";
import { minorOf, release } from "./index";

export const SUPPORTED_CILIUM_MINORS = ["1.16", "1.17", "1.18", "1.19"];

/** What the program writes for a Cilium release; undefined when it cannot configure that release. */
export function ciliumPlanFor(version: string): CiliumPlan | undefined {
  const v = release(version);
  if (!v || !SUPPORTED_CILIUM_MINORS.includes(minorOf(v))) return undefined;
  // CiliumLoadBalancerIPPool is served as cilium.io/v2 from Cilium 1.18 (v2alpha1 deprecated then).
  return { version: v, lbPoolApiVersion: semver.gte(v, "1.18.0") ? "cilium.io/v2" : "cilium.io/v2alpha1" };
}
