// Day 2 as resources: an etcd snapshot, then the Talos roll (control planes one at a time, workers in
// batches), then Kubernetes. Each step is a @pulumi/command local.Command running
// tools/day2/talos-day2.ts with talosctl. What a step is to reach (versions, installer image, control
// planes) is in its `environment`, never in `triggers`: the @pulumi/command SDK declares
// `replaceOnChanges: ["triggers[*]"]` (pulumi-command v1.2.1, sdk/nodejs/local/command.ts), so a
// trigger change would replace the step and run its `create` command without the last run's output.
//  - create (new cluster, new node): the step decides on what the node runs (upgrades a node that
//    does not run the target version; the Kubernetes step runs upgrade-k8s when the API server or a
//    kubelet is on another version);
//  - update (its version or installer image changed, or the credentials it gets did): the same, and
//    also upgrades a node whose last successful run recorded another image (PULUMI_COMMAND_STDOUT),
//    e.g. an extensions-only change.
// No `dir`: the command provider runs the commands in its own working directory, which the engine sets
// to the project folder (the folder of Pulumi.yaml), so the steps' inputs are the same in every clone.
// Steps are chained with dependsOn, so the engine starts one only after the previous succeeded. A
// failed step keeps its old inputs in the state; the next `pulumi up` sees the same diff again and
// resumes at that node, the ones before it no longer differ. The preview lists every node step that
// will run as an update.
import { local } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { batches } from "../core/day2/talosctl";
import type { DeployedState } from "../core/deployed/state";
import type { NodePlan, Plan } from "../core/plan/types";
import { installerImage } from "../core/talos/patches";
import type { Drift } from "../core/day2/observe";

/** run from the project folder (the command provider's working directory, see above) */
const RUNNER = "node --import tsx tools/day2/talos-day2.ts";
/** marks the day-2 step resources (tests and tools tell them from other commands by it) */
export const DAY2_STEP_ENV = "HOMELAB_DAY2_STEP";

export interface TalosUpgradeArgs {
  plan: Plan;
  /** what the stack last deployed: the "from" versions (facts for the policy pack, the preview message) */
  deployed?: DeployedState;
  clientConfiguration: pulumi.Input<{ caCertificate: string; clientCertificate: string; clientKey: string }>;
  kubeconfig: pulumi.Input<string>;
  schematicId: pulumi.Input<string>;
  /** what the first step waits for: the bootstrap and every node's config apply */
  after: pulumi.Resource[];
  /** nodes that run another Talos version than recorded: their steps run again and roll them */
  drift?: Drift[];
}

/**
 * The version step of this run, registered as the component's inputs: the policy pack judges it
 * (policies/rules/upgrades.ts). A component has no provider, so a change of these facts (e.g. the run
 * after an upgrade, when "from" catches up) runs nothing, unlike a change of a step's inputs.
 */
export function upgradeFacts(plan: Plan, deployed?: DeployedState) {
  // "from" only while it differs from the target: an unchanged cluster registers the same inputs every run
  const from = (was: string | undefined, to: string) => (was && was !== to ? was : "");
  return {
    talosFrom: from(deployed?.talosVersion, plan.talosVersion),
    talosTo: plan.talosVersion,
    kubernetesFrom: from(deployed?.kubernetesVersion, plan.kubernetesVersion),
    kubernetesTo: plan.kubernetesVersion,
    talosConfigFrom: from(deployed?.configTalosVersion, plan.configTalosVersion),
    talosConfigTo: plan.configTalosVersion,
  };
}

/** A talosconfig with credentials only: every talosctl call names its node (never the VIP). */
export function credentialsTalosconfig(
  cluster: string,
  cc: { caCertificate: string; clientCertificate: string; clientKey: string },
): string {
  return stringify({
    context: cluster,
    contexts: { [cluster]: { endpoints: [], ca: cc.caCertificate, crt: cc.clientCertificate, key: cc.clientKey } },
  });
}

/** That talosconfig as a secret Output, for a step's environment. */
function secretTalosconfig(cluster: string, clientConfiguration: TalosUpgradeArgs["clientConfiguration"]): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(clientConfiguration).apply((cc) => credentialsTalosconfig(cluster, cc)));
}

/**
 * The etcd snapshot before the control-plane set changes: a control plane added, replaced (new vmId)
 * or removed. It runs before the control planes' VMs and configs (they depend on it), so the snapshot
 * holds etcd as it was before a member joined or left. Its inputs are the planned control planes and
 * their VM IDs, so only a change of that set runs it again. Created on a new cluster, it finds no
 * control plane to ask and saves nothing (tools/day2/talos-day2.ts).
 */
export function membershipSnapshot(
  name: string,
  args: { plan: Plan; clientConfiguration: TalosUpgradeArgs["clientConfiguration"] },
  opts: pulumi.CustomResourceOptions,
): local.Command {
  const { plan } = args;
  const talosconfig = secretTalosconfig(plan.clusterName, args.clientConfiguration);
  return new local.Command(
    name,
    {
      create: `${RUNNER} snapshot create`,
      update: `${RUNNER} snapshot update`,
      environment: {
        [DAY2_STEP_ENV]: "etcd-snapshot-membership",
        SNAPSHOT_WHEN: "before-membership-change",
        SNAPSHOT_DIR: plan.upgrade.snapshotDir,
        SNAPSHOT_KEEP: String(plan.upgrade.keepSnapshots),
        CLUSTER_NAME: plan.clusterName,
        TALOSCONFIG_DATA: talosconfig,
        CONTROL_PLANES: plan.controlPlanes.map((n) => `${n.name}=${n.ip}`).join(","),
        // a new vmId is a new member (the old one leaves, the new one joins)
        CONTROL_PLANE_VMS: plan.controlPlanes.map((n) => `${n.name}:${n.vmId}`).join(","),
      },
      addPreviousOutputInEnv: true,
    },
    { ...opts, additionalSecretOutputs: ["environment"] },
  );
}

/**
 * The gate after a control plane's config apply: when the applied config changed on a running control
 * plane, the next control plane's apply waits until this one answers and every member etcd lists
 * answers healthy (tools/day2/talos-day2.ts gate). So a config that restarts etcd or the API server, or one
 * the provider applies in `auto` because its dry run failed (which may reboot), takes down one control
 * plane at a time. Its inputs change exactly when the applied config does (the apply's hash).
 */
export function controlPlaneGate(
  name: string,
  args: {
    plan: Plan;
    node: NodePlan;
    clientConfiguration: TalosUpgradeArgs["clientConfiguration"];
    configHash: pulumi.Input<string>;
    applyMode: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): local.Command {
  const talosconfig = secretTalosconfig(args.plan.clusterName, args.clientConfiguration);
  return new local.Command(
    name,
    {
      create: `${RUNNER} gate create`,
      update: `${RUNNER} gate update`,
      environment: {
        [DAY2_STEP_ENV]: "control-plane-gate",
        NODE_NAME: args.node.name,
        NODE_IP: args.node.ip,
        CONFIG_HASH: args.configHash,
        APPLY_MODE: args.applyMode,
        TALOSCONFIG_DATA: talosconfig,
      },
      // the hash of the last config it waited for: a run that only changes the apply mode waits for nothing
      addPreviousOutputInEnv: true,
    },
    { ...opts, additionalSecretOutputs: ["environment"] },
  );
}

/**
 * Removes the etcd member of a control plane that no longer answers (`unreachable: true`), through a
 * control plane that does (tools/day2/talos-day2.ts etcd-removal): etcd counts every member in its
 * quorum, so a dead one left behind makes the next failure fatal. A member already gone is fine.
 */
export function etcdMemberRemoval(
  name: string,
  args: { plan: Plan; node: NodePlan; clientConfiguration: TalosUpgradeArgs["clientConfiguration"] },
  opts: pulumi.CustomResourceOptions,
): local.Command {
  const talosconfig = secretTalosconfig(args.plan.clusterName, args.clientConfiguration);
  return new local.Command(
    name,
    {
      create: `${RUNNER} etcd-removal create`,
      update: `${RUNNER} etcd-removal update`,
      environment: {
        [DAY2_STEP_ENV]: "etcd-member-removal",
        NODE_NAME: args.node.name,
        // the control planes that answer (the plan given has no unreachable ones)
        CONTROL_PLANES: args.plan.controlPlanes.map((n) => `${n.name}=${n.ip}`).join(","),
        TALOSCONFIG_DATA: talosconfig,
      },
    },
    { ...opts, additionalSecretOutputs: ["environment"] },
  );
}

export class TalosUpgrade extends pulumi.ComponentResource {
  public readonly snapshot: local.Command;
  public readonly controlPlaneSteps: local.Command[];
  public readonly workerSteps: local.Command[][];
  public readonly kubernetes: local.Command;
  /** resolves when the whole roll succeeded */
  public readonly done: pulumi.Output<string>;

  constructor(name: string, args: TalosUpgradeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:TalosUpgrade", name, upgradeFacts(args.plan, args.deployed), opts);
    const { plan, deployed } = args;
    const talosconfig = secretTalosconfig(plan.clusterName, args.clientConfiguration);
    const kubeconfig = pulumi.secret(pulumi.output(args.kubeconfig));
    const cps = plan.controlPlanes.map((n) => `${n.name}=${n.ip}`).join(",");
    const image = pulumi.output(args.schematicId).apply((id) => installerImage(id, plan.talosVersion, plan.image.factoryUrl));
    // Only targets go into the steps' inputs: "from" changes once more after an upgrade and would
    // run every step again. The steps wait for etcd and the nodes themselves (no health-check input).
    // Nothing machine-specific either (no `dir`, no absolute path): a clone elsewhere sees no change.
    const base = { TALOSCONFIG_DATA: talosconfig, CONTROL_PLANES: cps };
    const step = (stepName: string, cmd: string, environment: Record<string, pulumi.Input<string>>, dependsOn: pulumi.Resource[]) =>
      new local.Command(
        stepName,
        {
          create: `${RUNNER} ${cmd} create`,
          update: `${RUNNER} ${cmd} update`,
          environment: { ...base, ...environment },
          addPreviousOutputInEnv: true,
        },
        { parent: this, dependsOn, additionalSecretOutputs: ["environment"] },
      );

    // runs before anything changes: on a new cluster (a baseline), and whenever a version, the image
    // or the control-plane set changes
    this.snapshot = step(
      `${name}-etcd-snapshot`,
      "snapshot",
      {
        [DAY2_STEP_ENV]: "etcd-snapshot",
        SNAPSHOT_DIR: plan.upgrade.snapshotDir,
        SNAPSHOT_KEEP: String(plan.upgrade.keepSnapshots),
        CLUSTER_NAME: plan.clusterName,
        // what a new snapshot is taken for (CONTROL_PLANES is in every step)
        TALOS_VERSION: plan.talosVersion,
        INSTALLER_IMAGE: image,
        KUBERNETES_VERSION: plan.kubernetesVersion,
      },
      args.after,
    );

    const drifted = new Map((args.drift ?? []).map((d) => [d.name, d.runs]));
    const nodeStep = (n: NodePlan, after: pulumi.Resource[]) =>
      step(
        `${name}-${n.name}`,
        "node",
        {
          [DAY2_STEP_ENV]: n.role === "controlplane" ? "talos-controlplane" : "talos-worker",
          NODE_NAME: n.name,
          NODE_IP: n.ip,
          NODE_ROLE: n.role,
          TALOS_VERSION: plan.talosVersion,
          INSTALLER_IMAGE: image,
          KUBECONFIG_DATA: kubeconfig,
          // present only while the node runs another version than recorded: the step runs and rolls it
          ...(drifted.has(n.name) ? { DRIFT_FROM: drifted.get(n.name)! } : {}),
        },
        after,
      );

    // One control plane at a time: each waits for the previous one (and its etcd check).
    let previous: pulumi.Resource = this.snapshot;
    this.controlPlaneSteps = plan.controlPlanes.map((n) => (previous = nodeStep(n, [previous])));
    // Workers after every control plane, a batch at a time; a batch's nodes run in parallel.
    let gate: pulumi.Resource[] = [previous];
    this.workerSteps = batches(plan.workers, plan.upgrade.workerBatchSize).map((batch) => (gate = batch.map((n) => nodeStep(n, gate))));

    this.kubernetes = step(
      `${name}-kubernetes`,
      "kubernetes",
      {
        [DAY2_STEP_ENV]: "kubernetes",
        KUBERNETES_VERSION: plan.kubernetesVersion,
        // the step reads the running versions (API server, kubelets) from the API
        KUBECONFIG_DATA: kubeconfig,
      },
      gate,
    );
    this.done = this.kubernetes.stdout;

    const changed = deployed?.talosVersion && deployed.talosVersion !== plan.talosVersion;
    if (changed) {
      pulumi.log.info(
        `Talos ${deployed!.talosVersion} -> ${plan.talosVersion}: control planes ${plan.controlPlanes.map((n) => n.name).join(" -> ")}, ` +
          `then workers in batches of ${plan.upgrade.workerBatchSize} (${plan.workers.map((n) => n.name).join(", ")}), after an etcd snapshot into ${plan.upgrade.snapshotDir}/`,
        this,
      );
    }
    if (deployed?.kubernetesVersion && deployed.kubernetesVersion !== plan.kubernetesVersion) {
      pulumi.log.info(`Kubernetes ${deployed.kubernetesVersion} -> ${plan.kubernetesVersion} after the Talos roll`, this);
    }
    this.registerOutputs({ done: this.done });
  }
}
