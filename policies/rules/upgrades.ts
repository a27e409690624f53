// upgrade-path: the version step of this update, read from the TalosUpgrade component's inputs (the
// versions the stack last deployed and the new ones, components/TalosUpgrade.ts upgradeFacts), judged
// by the same rule as the program and the preflight (core/day2/upgrade-path.ts).
import type { StackValidationPolicy } from "@pulumi/policy";
import { upgradePathProblems, type Versions } from "../../core/day2/upgrade-path";
import { RULE_NAMES } from "../../core/rules/names";
import type { ResourceLike } from "../facts-from-resources";

export const UPGRADE_TYPE = "homelab:talos:TalosUpgrade";

/** from/to versions of this run; undefined when the component or its values are not there */
export function upgradeFacts(resources: ResourceLike[]): { from: Versions; to: Versions } | undefined {
  const t = resources.find((r) => r.type === UPGRADE_TYPE)?.props;
  const s = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  if (!t || typeof t !== "object" || !s(t.talosTo) || !s(t.kubernetesTo)) return undefined;
  return {
    from: { talos: s(t.talosFrom), kubernetes: s(t.kubernetesFrom), talosConfig: s(t.talosConfigFrom) },
    to: { talos: s(t.talosTo), kubernetes: s(t.kubernetesTo), talosConfig: s(t.talosConfigTo) },
  };
}

export function upgradeViolations(resources: ResourceLike[]): { violations: string[]; undecided?: string } {
  const facts = upgradeFacts(resources);
  if (!facts)
    return {
      violations: [],
      undecided: "cannot decide yet: no TalosUpgrade component with known versions (is PULUMI_NODEJS_SKIP_COMPONENT_INPUTS set?)",
    };
  return { violations: upgradePathProblems(facts.from, facts.to).map((p) => `${p.message}. Fix: ${p.fix} [${p.key}]`) };
}

export const upgradePathPolicy: StackValidationPolicy = {
  name: RULE_NAMES.upgradePath,
  description:
    "Version steps against what the stack last deployed: adjacent Talos minors, one Kubernetes minor, no downgrades, Kubernetes inside the target Talos range.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Step one minor per `pulumi up` (latest patch of each intermediate Talos minor); never lower a version; see docs/day2.md "Upgrading Talos".',
  validateStack: (args, reportViolation) => {
    const r = upgradeViolations(args.resources.map((x) => ({ type: x.type, name: x.name, props: x.props ?? {} })));
    for (const v of r.violations) reportViolation(v);
    if (r.violations.length === 0 && r.undecided) args.notApplicable(r.undecided);
  },
};
