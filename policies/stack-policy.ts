// Turns a shared rule (facts -> findings) into a CrossGuard stack policy that never crashes. Unknown
// preview values are handled property by property in factsFromResources, so a rule waits ("not
// applicable: cannot decide yet") only when a fact it needs is unknown; violations it can decide are
// reported even then. The catch below is a last resort for resources of an unexpected shape.
import type { EnforcementLevel, PolicyConfigSchema, Severity, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import type { ClusterFacts, Finding } from "../core/rules/facts";
import { factsFromResources } from "./facts-from-resources";

export interface RuleSpec<C extends object> {
  name: string;
  description: string;
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  configSchema?: PolicyConfigSchema;
  judge: (facts: ClusterFacts, config: C) => Finding[];
}

/** Config every rule accepts: a DHCP range to keep static addresses out of (networks rule uses it). */
export interface CommonConfig {
  dhcpRange?: { start: string; stop: string };
}

/** Pure core of a stack policy: resources in, violation messages (or an undecided reason) out. */
export function evaluate<C extends object>(
  spec: RuleSpec<C>,
  resources: StackValidationArgs["resources"],
  config: C & CommonConfig,
): { violations: string[]; undecided?: string } {
  let findings: Finding[];
  try {
    const facts = factsFromResources(
      resources.map((r) => ({ type: r.type, name: r.name, props: r.props ?? {} })),
      { dhcpRange: config.dhcpRange },
    );
    findings = spec.judge(facts, config);
  } catch (e) {
    return { violations: [], undecided: `cannot decide yet: could not read the resources (${(e as Error).message})` };
  }
  const decided = findings.filter((f) => !f.undecided);
  const violations = decided.map((f) => `${f.message}. Fix: ${f.fix} [${f.key}]`);
  const undecided = findings.filter((f) => f.undecided);
  if (violations.length === 0 && undecided.length > 0) return { violations, undecided: undecided.map((f) => f.message).join("; ") };
  return { violations };
}

export function stackPolicy<C extends object>(spec: RuleSpec<C>): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    severity: spec.severity,
    enforcementLevel: spec.enforcementLevel,
    remediationSteps: spec.remediationSteps,
    configSchema: spec.configSchema,
    validateStack: (args, reportViolation) => {
      const result = evaluate(spec, args.resources, args.getConfig<C & CommonConfig>());
      for (const v of result.violations) reportViolation(v);
      if (result.violations.length === 0 && result.undecided) args.notApplicable(result.undecided);
    },
  };
}
