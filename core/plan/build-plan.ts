// Stack config -> validated plan. Pure: no Pulumi, no I/O. Read top to bottom:
//   1. parse     (parse.ts)    the schema: shapes, formats, fixed values; keys nobody reads
//   2. check     (checks/)     one registry of checks, each on one config key, each run once
//   3. assemble  (assemble.ts) defaults filled in, nodes, endpoint, releases
//   4. rules     (core/rules)  the shared rules the policy pack runs too, on the assembled plan
// Every problem is collected and returned at once, each naming its config key and what to write instead.
import { runAllRules } from "../rules";
import type { ClusterFacts, Finding } from "../rules/facts";
import { nonOverlappingNetworks } from "../rules/network-rules";
import { applyEnforcement, thresholdsFromPolicyConfig } from "../rules/policy-config";
import { assemblePlan, draftPlan, type PlanDraft, releases } from "./assemble";
import { runChecks } from "./checks";
import type { PlanInputs } from "./inputs";
import { parseConfig, type WellFormedConfig } from "./parse";
import { type ConfigProblem, withNodeNames } from "./problems";
import type { Plan } from "./types";

export { credentialEnv, hasProxmoxCredentials, type PlanInputs } from "./inputs";

export type PlanResult = { ok: true; plan: Plan; findings: Finding[] } | { ok: false; problems: ConfigProblem[]; findings: Finding[] };

export function buildPlan(input: PlanInputs): PlanResult {
  const parsed = parseConfig(input);
  const problems = [...parsed.problems, ...runChecks(parsed.wellFormed, input)];
  const failed = (findings: Finding[]): PlanResult => ({ ok: false, problems: withNodeNames(problems, input.config), findings });
  if (!parsed.raw) {
    // the address rule judges the well-formed parts too; the others need the whole plan (counts, sizes)
    problems.push(...mandatory(applyEnforcement(nonOverlappingNetworks(wellFormedNetworkFacts(parsed.wellFormed)), input.policyConfig)));
    return failed([]);
  }
  const draft = draftPlan(parsed.raw, input);
  const findings = applyEnforcement(runAllRules(planFacts(draft), thresholdsFromPolicyConfig(input.policyConfig)), input.policyConfig);
  problems.push(...mandatory(findings));
  const versions = releases(parsed.raw);
  const hasControlPlane = draft.nodes.some((n) => n.role === "controlplane");
  if (problems.length === 0 && !hasControlPlane) {
    // the rule that says so may be disabled by the policy config; without one there is nothing to bootstrap
    problems.push({ key: "homelab:nodes", message: "no control plane", fix: "add a node with `role: controlplane`" });
  }
  if (problems.length > 0 || !versions) return failed(findings);
  const plan = assemblePlan(parsed.raw, draft, versions, input.stack);
  return { ok: true, plan, findings: findings.filter((f) => f.severity === "advisory") };
}

/** Findings that refuse the plan: mandatory, and decided. */
function mandatory(findings: Finding[]): ConfigProblem[] {
  return findings.filter((f) => f.severity === "mandatory" && !f.undecided).map((f) => ({ key: f.key, message: f.message, fix: f.fix }));
}

/** The facts the shared rules judge, from the plan (or its draft). */
export function planFacts(plan: PlanDraft): ClusterFacts {
  return {
    nodes: plan.nodes.map((n) => ({
      ...{ name: n.name, role: n.role, ip: n.ip, host: n.host, vmId: n.vmId },
      ...{ cpu: n.cpu, memoryGiB: n.memoryGiB, osDiskGB: n.osDiskGB, dataDisksGB: n.dataDisksGB, ref: n.ref },
    })),
    hosts: plan.proxmox.hosts.map((h) => h.name),
    ...{ subnet: plan.network.subnet, gateway: plan.network.gateway, dns: plan.network.dns, ntp: plan.network.ntp },
    ...{ podCidr: plan.network.podCidr, serviceCidr: plan.network.serviceCidr, dhcpRange: plan.network.dhcpRange },
    vip: plan.endpoint.vip,
    lbPool: plan.lbPool,
    talosEndpoints: plan.talosEndpoints,
  };
}

/** Address facts of the well-formed parts, for the network rule while other keys have shape errors. */
function wellFormedNetworkFacts(cfg: WellFormedConfig): ClusterFacts {
  const network = cfg.network;
  const defined = <T>(list: Array<T | undefined> | undefined) => list?.filter((v): v is T => v !== undefined);
  const range = (r: { start?: string; stop?: string } | undefined) => (r?.start && r.stop ? { start: r.start, stop: r.stop } : undefined);
  return {
    nodes: (cfg.nodes ?? []).flatMap((n, i) => (n ? [{ ref: `nodes[${i}]`, name: n.name, role: n.role, ip: n.ip }] : [])),
    ...{ subnet: network?.subnet, gateway: network?.gateway, dns: defined(network?.dns), ntp: defined(network?.ntp) },
    ...{ podCidr: network?.podCidr, serviceCidr: network?.serviceCidr, dhcpRange: range(network?.dhcpRange) },
    vip: cfg.endpoint?.mode === "vip" ? cfg.endpoint.vip : undefined,
    lbPool: range(cfg.lbPool),
  };
}
