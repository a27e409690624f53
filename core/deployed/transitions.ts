// Rules about a change to a running cluster: the new plan judged against what the stack last deployed.
// Pure; used by the program (before any resource changes), the preflight and the policy pack.
import type { ConfigProblem } from "../plan/problems";
import type { Plan } from "../plan/types";
import { type DeployedState, deployedStateOf } from "./state";
import { upgradePathProblems } from "../day2/upgrade-path";
import { runningClusterChanges } from "./changes";
import type { Finding } from "../rules/facts";

export type TransitionRule = (plan: Plan, deployed: DeployedState) => ConfigProblem[];

/**
 * Control-plane removals must keep etcd quorum: the members that stay must be a majority of the
 * members before the change, since each removal is a membership change etcd has to agree on. A
 * control plane whose VM ID changes is replaced (its VM is deleted before the new one exists), so it
 * is out of etcd during the run as well; Pulumi replaces in parallel, so at most one per run.
 * (An even final count is already refused by odd-control-plane-count on the plan itself.)
 */
export const controlPlaneRemoval: TransitionRule = (plan, deployed) => {
  const before = (deployed.nodes ?? []).filter((n) => n.role === "controlplane");
  const planned = new Map(plan.controlPlanes.map((n) => [n.name, n]));
  const removed = before.filter((n) => !planned.has(n.name));
  const replaced = before.filter((n) => n.vmId !== undefined && planned.has(n.name) && planned.get(n.name)!.vmId !== n.vmId);
  const problems: ConfigProblem[] = [];
  if (replaced.length > 1) {
    problems.push({
      key: "homelab:nodes",
      message: `changing the vmId of ${replaced.map((n) => n.name).join(", ")} replaces ${replaced.length} control-plane VMs in one run`,
      fix: "change the vmId of one control plane per `pulumi up`",
    });
  }
  const out = [...removed, ...replaced];
  if (out.length === 0) return problems;
  const quorum = Math.floor(before.length / 2) + 1;
  const staying = before.length - out.length;
  if (staying >= quorum) return problems;
  const what =
    replaced.length > 0
      ? `removing or replacing ${out.map((n) => n.name).join(", ")}`
      : `removing ${removed.map((n) => n.name).join(", ")}`;
  problems.push({
    key: "homelab:nodes",
    message: `${what} leaves ${staying} of ${before.length} etcd members, below quorum (${quorum})`,
    fix: `remove at most ${before.length - quorum} control plane(s) per \`pulumi up\`, and add replacements first`,
  });
  return problems;
};

/**
 * Version steps against what runs now: no skipped Talos or Kubernetes minor, no downgrade, Kubernetes
 * (running and new) inside the target Talos range, and a config contract that follows the installed
 * release (core/day2/upgrade-path.ts).
 */
export const upgradePath: TransitionRule = (plan, deployed) =>
  upgradePathProblems(
    { talos: deployed.talosVersion, kubernetes: deployed.kubernetesVersion, talosConfig: deployed.configTalosVersion },
    // an unset contract is the deployed one (core/deployed/contract.ts): only a contract the user sets can step
    {
      talos: plan.talosVersion,
      kubernetes: plan.kubernetesVersion,
      talosConfig: plan.configTalosVersionSet ? plan.configTalosVersion : undefined,
    },
  );

/**
 * Edits a running cluster cannot take in place (role, control-plane address, pod or service network,
 * cluster name, Proxmox edits the provider would fail half-way): core/deployed/changes.ts, the same
 * rules the policy pack runs on the ClusterChange component.
 */
export const runningCluster: TransitionRule = (plan, deployed) =>
  runningClusterChanges(deployed, deployedStateOf(plan))
    .filter((f) => f.severity === "mandatory")
    .map((f) => ({ key: f.key, message: f.message, fix: f.fix }));

/** Every transition rule; rules for versions and upgrades join this list. */
export const TRANSITION_RULES: TransitionRule[] = [controlPlaneRemoval, upgradePath, runningCluster];

export function transitionProblems(plan: Plan, deployed: DeployedState | undefined): ConfigProblem[] {
  if (!deployed) return [];
  return TRANSITION_RULES.flatMap((rule) => rule(plan, deployed));
}

/**
 * Edits that a running cluster takes but that hurt (a node off the network, every worker down): warned,
 * each with its key. A new stack is judged against its own plan, so only advice about the plan itself
 * (an upgrade batch of every worker) speaks, as in the policy pack.
 */
export function transitionAdvisories(plan: Plan, deployed: DeployedState | undefined): Finding[] {
  const planned = deployedStateOf(plan);
  return runningClusterChanges(deployed ?? planned, planned).filter((f) => f.severity === "advisory");
}

/** Which command-line tools the machine running `pulumi up` has (node removal runs them). */
export interface RunnerTools {
  talosctl: boolean;
  kubectl: boolean;
}

/**
 * Removing a node deletes its Kubernetes Node object with kubectl, using a kubeconfig fetched with
 * talosctl. Refuse the removal up front when either tool is missing rather than failing halfway.
 */
export function nodeRemovalToolProblems(plan: Plan, deployed: DeployedState | undefined, tools: RunnerTools): ConfigProblem[] {
  const kept = new Set(plan.nodes.map((n) => n.name));
  const removed = (deployed?.nodes ?? []).filter((n) => !kept.has(n.name));
  const missing = (["talosctl", "kubectl"] as const).filter((t) => !tools[t]);
  if (removed.length === 0 || missing.length === 0) return [];
  return [
    {
      key: "homelab:nodes",
      message: `removing ${removed.map((n) => n.name).join(", ")} needs ${missing.join(" and ")} on this machine (to delete the Kubernetes Node object after the node is reset)`,
      fix: `install ${missing.join(" and ")} and put them on PATH, then run \`pulumi up\` again`,
    },
  ];
}

/**
 * A preview does not run the removal, so a missing tool only matters to the `pulumi up` that follows:
 * the program warns with this text in preview instead of refusing (a pull-request check runs on a
 * runner without talosctl or kubectl).
 */
export function toolWarningForPreview(p: ConfigProblem): string {
  return `${p.key}: \`pulumi up\` will refuse this change where these tools are missing: ${p.message} (fix: ${p.fix})`;
}

/**
 * Every `pulumi up` runs day-2 steps with talosctl (on a new cluster they check each node and take the
 * baseline snapshot). Refuse before anything changes rather than fail half-way through the steps.
 */
export function day2ToolProblems(tools: Pick<RunnerTools, "talosctl">, deploying: boolean): ConfigProblem[] {
  if (!deploying || tools.talosctl) return [];
  return [
    {
      key: "homelab:versions.talos",
      message:
        "`pulumi up` runs the day-2 steps (etcd snapshot, node checks, upgrades) with talosctl, and none was found ($TALOSCTL, .toolchain/bin/talosctl or PATH)",
      fix: "install talosctl within one minor of versions.talos (https://www.talos.dev/latest/talos-guides/install/talosctl/), or run tools/toolchain/build-talosctl.sh",
    },
  ];
}
