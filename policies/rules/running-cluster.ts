// running-cluster-changes: edits a running cluster cannot take in place (role, control-plane address,
// pod or service network, cluster name, Proxmox edits the provider would fail half-way) and the ones it
// takes but that hurt, read from the ClusterChange component (what the stack last deployed and what this
// run deploys) and judged by the same rules as the program and the preflight (core/deployed/changes.ts).
import type { StackValidationPolicy } from "@pulumi/policy";
import { CLUSTER_CHANGE_TYPE } from "../../components/ClusterChange";
import { RUNNING_CLUSTER_RULE, runningClusterChanges } from "../../core/deployed/changes";
import { parseDeployedState } from "../../core/deployed/state";
import type { Finding } from "../../core/rules/facts";
import type { ResourceLike } from "../facts-from-resources";

/** Findings for the captured resources; undecided when the component or its inputs are not there. */
export function runningClusterFindings(resources: ResourceLike[]): { findings: Finding[]; undecided?: string } {
  const c = resources.find((r) => r.type === CLUSTER_CHANGE_TYPE)?.props;
  let planned, deployed;
  try {
    planned = parseDeployedState(c?.planned);
    deployed = parseDeployedState(c?.deployed);
  } catch {
    planned = undefined;
  }
  if (!planned)
    return {
      findings: [],
      undecided: "cannot decide yet: no ClusterChange component with known inputs (is PULUMI_NODEJS_SKIP_COMPONENT_INPUTS set?)",
    };
  return { findings: runningClusterChanges(deployed, planned) };
}

const text = (f: Finding) => `${f.message}. Fix: ${f.fix} [${f.key}]`;

/** Mandatory findings refuse; advisories are reported too, and refuse nothing, when the policy is advisory. */
export const runningClusterPolicy: StackValidationPolicy = {
  name: RUNNING_CLUSTER_RULE,
  description:
    "Edits a running cluster cannot take in place (node role, control-plane address, pod/service network, cluster name, Proxmox edits the provider fails half-way), judged against the stack's last `deployed` output.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: 'Write the running value back and follow the fix in the message; see docs/day2.md "Edits to a running cluster".',
  validateStack: (args, reportViolation) => {
    const r = runningClusterFindings(args.resources.map((x) => ({ type: x.type, name: x.name, props: x.props ?? {} })));
    const refused = r.findings.filter((f) => f.severity === "mandatory");
    for (const f of refused) reportViolation(text(f));
    if (refused.length === 0 && r.undecided) args.notApplicable(r.undecided);
  },
};

/** The edits a running cluster takes but that hurt (a node off the network, every worker down): advisory. */
export const runningClusterAdvicePolicy: StackValidationPolicy = {
  name: `${RUNNING_CLUSTER_RULE.replace(/-changes$/, "")}-advice`,
  description:
    "Edits a running cluster takes but that hurt: a new cluster endpoint, NICs re-plugged, a data disk unplugged, an upgrade batch that takes every worker down.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: 'Follow the fix in the message; see docs/day2.md "Edits to a running cluster".',
  validateStack: (args, reportViolation) => {
    const r = runningClusterFindings(args.resources.map((x) => ({ type: x.type, name: x.name, props: x.props ?? {} })));
    for (const f of r.findings.filter((x) => x.severity === "advisory")) reportViolation(text(f));
    if (r.findings.length === 0 && r.undecided) args.notApplicable(r.undecided);
  },
};
