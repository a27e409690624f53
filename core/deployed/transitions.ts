// Rules about a change to a running cluster: the new plan judged against what the stack last deployed.
// Pure; used by the program (before any resource changes), the preflight and the policy pack.
import { ConfigProblem } from "../plan/problems";
import { Plan } from "../plan/types";
import { DeployedState } from "./state";

export type TransitionRule = (plan: Plan, deployed: DeployedState) => ConfigProblem[];

/**
 * Control-plane removals must keep etcd quorum: the members that stay must be a majority of the
 * members before the change, since each removal is a membership change etcd has to agree on.
 * (An even final count is already refused by odd-control-plane-count on the plan itself.)
 */
export const controlPlaneRemoval: TransitionRule = (plan, deployed) => {
  const before = (deployed.nodes ?? []).filter((n) => n.role === "controlplane");
  const kept = new Set(plan.controlPlanes.map((n) => n.name));
  const removed = before.filter((n) => !kept.has(n.name));
  if (removed.length === 0) return [];
  const quorum = Math.floor(before.length / 2) + 1;
  const staying = before.length - removed.length;
  if (staying >= quorum) return [];
  return [{
    key: "homelab:nodes",
    message: `removing ${removed.map((n) => n.name).join(", ")} leaves ${staying} of ${before.length} etcd members, below quorum (${quorum})`,
    fix: `remove at most ${before.length - quorum} control plane(s) per \`pulumi up\`, and add replacements first`,
  }];
};

/** Every transition rule; rules for versions and upgrades join this list. */
export const TRANSITION_RULES: TransitionRule[] = [controlPlaneRemoval];

export function transitionProblems(plan: Plan, deployed: DeployedState | undefined): ConfigProblem[] {
  if (!deployed) return [];
  return TRANSITION_RULES.flatMap((rule) => rule(plan, deployed));
}
