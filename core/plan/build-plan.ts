// Stack config -> validated plan. Pure: no Pulumi, no I/O. Read top to bottom:
//   1. parse     (parse.ts)    the schema: shapes, formats, fixed values; keys nobody reads
//   2. check     (checks/)     one registry of checks, each on one config key, each run once
//   3. assemble  (assemble.ts) defaults filled in, nodes, endpoint, releases
//   4. rules     (core/rules)  the shared rules the policy pack runs too, on the assembled plan (or, while
//                              values are malformed, on the well-formed parts: facts.ts)
// Every problem is collected and returned at once, each naming its config key and what to write instead.
import { runAllRules } from "../rules";
import type { ClusterFacts, Finding } from "../rules/facts";
import { applyEnforcement, thresholdsFromPolicyConfig } from "../rules/policy-config";
import { assemblePlan, draftPlan, releases } from "./assemble";
import { runChecks } from "./checks";
import { planFacts, wellFormedFacts } from "./facts";
import type { PlanInputs } from "./inputs";
import { parseConfig } from "./parse";
import { type ConfigProblem, withNodeNames } from "./problems";
import type { Plan } from "./types";

export { planFacts } from "./facts";
export { credentialEnv, hasProxmoxCredentials, type PlanInputs } from "./inputs";

export type PlanResult = { ok: true; plan: Plan; findings: Finding[] } | { ok: false; problems: ConfigProblem[]; findings: Finding[] };

export function buildPlan(input: PlanInputs): PlanResult {
  const parsed = parseConfig(input);
  const problems = [...parsed.problems, ...runChecks(parsed.wellFormed, input)];
  const failed = (findings: Finding[]): PlanResult => ({ ok: false, problems: withNodeNames(problems, input.config), findings });
  if (!parsed.raw) {
    // the rules judge the well-formed parts too: a malformed value is unknown to them, as in a preview
    const findings = ruleFindings(wellFormedFacts(parsed.wellFormed, input.config), input).filter((f) => !f.undecided);
    problems.push(...mandatory(findings));
    return failed(findings);
  }
  const draft = draftPlan(parsed.raw, input);
  const findings = ruleFindings(planFacts(draft), input);
  problems.push(...mandatory(findings));
  const versions = releases(parsed.raw);
  if (problems.length === 0 && !draft.nodes.some((n) => n.role === "controlplane")) {
    // the rule that says so may be disabled by the policy config; without one there is nothing to bootstrap
    problems.push({ key: "homelab:nodes", message: "no control plane", fix: "add a node with `role: controlplane`" });
  }
  if (problems.length > 0 || !versions) return failed(findings);
  const plan = assemblePlan(parsed.raw, draft, versions, input.stack);
  return { ok: true, plan, findings: findings.filter((f) => f.severity === "advisory") };
}

/** The shared rules, at the levels and thresholds of the stack's policy config. */
function ruleFindings(facts: ClusterFacts, input: PlanInputs): Finding[] {
  return applyEnforcement(runAllRules(facts, thresholdsFromPolicyConfig(input.policyConfig)), input.policyConfig);
}

/** Findings that refuse the plan: mandatory, and decided. */
function mandatory(findings: Finding[]): ConfigProblem[] {
  return findings.filter((f) => f.severity === "mandatory" && !f.undecided).map((f) => ({ key: f.key, message: f.message, fix: f.fix }));
}
