// The Talos cluster: machine secrets, the nodes, bootstrap (exactly once, on the first control plane,
// after its config is applied), kubeconfig, talosconfig and a health check.
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { configEditsHeld, healthCheckFor, heldConfigAdvice, stagedConfigAdvice } from "../core/deployed/rollout";
import { type DeployedState, deployedStateOf } from "../core/deployed/state";
import { ClusterChange } from "./ClusterChange";
import type { Plan } from "../core/plan/types";
import { ControlPlaneNode, type TalosNodeArgs, WorkerNode } from "./TalosNode";
import { TalosImage } from "./TalosImage";
import { controlPlaneGate, etcdMemberRemoval, membershipSnapshot, TalosUpgrade } from "./TalosUpgrade";
import { answeringNodes } from "../core/talos/node-removal";
import type { Drift } from "../core/day2/observe";

/** the client credentials of the machine secrets (talosctl, the Talos provider, the day-2 steps) */
type ClientConfiguration = pulumi.Output<talos.types.output.machine.ClientConfiguration>;

export interface TalosClusterArgs {
  plan: Plan;
  proxmoxProvider: pulumi.ProviderResource;
  /**
   * Builds the API endpoint once the machine secrets exist (HAProxy's health-check certificate is
   * signed by the cluster's Kubernetes CA) and returns what nodes need before they can use it (e.g.
   * the HAProxy deployment).
   */
  endpoint?: (secrets: talos.machine.Secrets) => pulumi.Resource[];
  /** what the stack's last successful `up` deployed (undefined on a new stack) */
  deployed?: DeployedState;
  /** nodes that run another Talos version than recorded (core/day2/observe.ts): rolled again */
  drift?: Drift[];
}

export class TalosCluster extends pulumi.ComponentResource {
  public readonly secrets: talos.machine.Secrets;
  public readonly controlPlanes: ControlPlaneNode[];
  public readonly workers: WorkerNode[];
  public readonly bootstrap: talos.machine.Bootstrap;
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly talosconfig: pulumi.Output<string>;
  /**
   * Resolves once Talos reports the cluster healthy (all nodes Ready, which needs Cilium up), or at
   * once when no machine config changed since the last `up` (see healthCheckFor).
   */
  public readonly healthy: pulumi.Output<string>;
  /** machine-config hash per node name */
  public readonly configHashes: pulumi.Output<Record<string, string>>;
  /** per node name: the apply mode given and the hash of the config's inputs (recorded in `deployed`) */
  public readonly applyModes: pulumi.Output<Record<string, string>>;
  public readonly configInputHashes: pulumi.Output<Record<string, string>>;
  /** nodes whose new config Talos staged for their next reboot */
  public readonly stagedNodes: pulumi.Output<string[]>;
  /** the etcd snapshot taken before the control-plane set changes */
  public readonly membershipSnapshot: pulumi.Resource;
  /** etcd snapshot, rolling Talos upgrade, Kubernetes upgrade (components/TalosUpgrade.ts) */
  public readonly upgrade: TalosUpgrade;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:TalosCluster", name, {}, opts);
    const { plan } = args;
    this.secrets = this.machineSecrets(name, plan);
    const clientConfiguration = this.secrets.clientConfiguration;
    // the nodes that answer: the ones talosctl, upgrades, gates and health checks talk to
    const live = answeringNodes(plan);
    this.talosconfig = this.clientConfig(plan, live, clientConfiguration);

    const image = new TalosImage(`${name}-image`, { plan, proxmoxProvider: args.proxmoxProvider }, { parent: this });
    // what ran before and what this run deploys, for the policy pack's running-cluster rules
    new ClusterChange(`${name}-change`, { deployed: args.deployed, planned: deployedStateOf(plan) }, { parent: this });
    const held = heldConfigAdvice(plan);
    if (held) pulumi.log.warn(held, this);
    // etcd as it was, saved before a control plane joins, is replaced or leaves (see membershipSnapshot)
    this.membershipSnapshot = membershipSnapshot(`${name}-etcd-snapshot-membership`, { plan: live, clientConfiguration }, { parent: this });
    const nodeArgs = (node: Plan["nodes"][number]): TalosNodeArgs => ({
      plan,
      node,
      proxmoxProvider: args.proxmoxProvider,
      imageFileId: image.fileIds[node.host],
      schematicId: image.schematicId,
      machineSecrets: this.secrets.machineSecrets,
      clientConfiguration,
      // a new vmId replaces the VM: the new one starts in maintenance mode like any new node
      alreadyDeployed: (args.deployed?.nodes ?? []).some((d) => d.name === node.name && (d.vmId === undefined || d.vmId === node.vmId)),
      talosconfig: this.talosconfig,
      clusterSecrets: this.secrets,
      deployed: args.deployed,
      holdConfigEdits: configEditsHeld(plan),
    });
    const nodeOpts = { parent: this, dependsOn: args.endpoint?.(this.secrets) ?? [] };
    this.controlPlanes = this.controlPlaneNodes(plan, live, clientConfiguration, nodeArgs, nodeOpts);
    this.workers = plan.workers.map((n) => new WorkerNode(n.name, nodeArgs(n), nodeOpts));

    const first = this.controlPlanes.find((c) => c.node.name === plan.bootstrapNode.name)!;
    this.bootstrap = new talos.machine.Bootstrap(
      `${name}-bootstrap`,
      { node: plan.bootstrapNode.ip, endpoint: plan.bootstrapNode.ip, clientConfiguration },
      { parent: this, dependsOn: [first.apply] },
    );
    const kubeconfig = new talos.cluster.Kubeconfig(
      `${name}-kubeconfig`,
      { node: plan.bootstrapNode.ip, endpoint: plan.bootstrapNode.ip, clientConfiguration },
      { parent: this, dependsOn: [this.bootstrap], additionalSecretOutputs: ["kubernetesClientConfiguration", "clientConfiguration"] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw);

    const all = [...this.controlPlanes, ...this.workers];
    const byNode = (outs: pulumi.Output<string>[]) =>
      pulumi.all(outs).apply((v) => Object.fromEntries(all.map((n, i) => [n.node.name, v[i]])));
    this.configHashes = byNode(all.map((n) => n.configHash));
    this.applyModes = byNode(all.map((n) => n.applyMode));
    this.configInputHashes = byNode(all.map((n) => n.configInputHash));
    this.healthy = this.healthCheck(plan, live, args.deployed, clientConfiguration);

    this.stagedNodes = pulumi.all(all.map((n) => n.resolvedApplyMode)).apply((modes) => {
      const staged = all.filter((_, i) => modes[i] === "staged").map((n) => n.node);
      const advice = stagedConfigAdvice(staged);
      if (advice && !pulumi.runtime.isDryRun()) pulumi.log.warn(advice, this);
      return staged.map((n) => n.name);
    });

    this.upgrade = new TalosUpgrade(
      `${name}-day2`,
      {
        plan: live,
        deployed: args.deployed,
        drift: args.drift,
        clientConfiguration,
        kubeconfig: this.kubeconfig,
        schematicId: image.schematicId,
        after: [this.bootstrap, ...all.map((n) => n.apply)],
      },
      { parent: this },
    );

    this.registerOutputs({ kubeconfig: this.kubeconfig, talosconfig: this.talosconfig });
  }

  private machineSecrets(name: string, plan: Plan): talos.machine.Secrets {
    // Losing these means re-keying the whole cluster: protected from deletion, outputs kept secret.
    // talosVersion is the config contract and matters only when the secrets are generated; the provider
    // replaces the secrets when it is lowered (RequiresReplace on a downgrade), so later changes are
    // ignored: no version change can ever re-key the cluster.
    return new talos.machine.Secrets(
      `${name}-secrets`,
      { talosVersion: plan.configTalosVersion },
      {
        parent: this,
        protect: true,
        additionalSecretOutputs: ["machineSecrets", "clientConfiguration"],
        ignoreChanges: ["talosVersion"],
      },
    );
  }

  private clientConfig(plan: Plan, live: Plan, clientConfiguration: ClientConfiguration): pulumi.Output<string> {
    // Break-glass access: talosctl talks to the control-plane IPs directly, never to the VIP.
    return pulumi.secret(
      talos.client.getConfigurationOutput(
        {
          clusterName: plan.clusterName,
          clientConfiguration,
          endpoints: plan.talosEndpoints,
          nodes: live.nodes.map((n) => n.ip),
        },
        { parent: this },
      ).talosConfig,
    );
  }

  /**
   * Control planes with their config gates; a control plane marked unreachable gets its etcd member
   * removed instead (through a live one, after the membership snapshot).
   */
  private controlPlaneNodes(
    plan: Plan,
    live: Plan,
    clientConfiguration: ClientConfiguration,
    nodeArgs: (node: Plan["nodes"][number]) => TalosNodeArgs,
    nodeOpts: pulumi.ComponentResourceOptions,
  ): ControlPlaneNode[] {
    // Control planes take their configs one at a time: each apply waits for the previous control
    // plane's gate (it answers, etcd healthy with every member) whenever that one's config changed.
    let gate: pulumi.Resource[] = [];
    return plan.controlPlanes.map((n) => {
      const cp = new ControlPlaneNode(n.name, { ...nodeArgs(n), after: [this.membershipSnapshot], applyAfter: gate }, nodeOpts);
      if (n.unreachable) {
        // its etcd member goes, through a control plane that answers, after the snapshot above
        etcdMemberRemoval(
          `${n.name}-etcd-removal`,
          { plan: live, node: n, clientConfiguration },
          { parent: cp, dependsOn: [this.membershipSnapshot] },
        );
        return cp;
      }
      gate = [
        controlPlaneGate(
          `${n.name}-config-gate`,
          {
            plan,
            node: n,
            clientConfiguration,
            configHash: cp.configHash,
            applyMode: cp.resolvedApplyMode,
          },
          { parent: cp, dependsOn: [cp.apply] },
        ),
      ];
      return cp;
    });
  }

  // The health check waits for every node to be Ready. It runs on a new cluster (Cilium's CRDs must
  // exist before the LB pool) and when a machine config changed, not on every run; never in preview.
  // On an existing cluster a failed check warns instead of failing, so one NotReady node does not
  // block the run that fixes it.
  private healthCheck(
    plan: Plan,
    live: Plan,
    deployed: DeployedState | undefined,
    clientConfiguration: ClientConfiguration,
  ): pulumi.Output<string> {
    const applied = pulumi.all([this.bootstrap.id, this.configHashes, clientConfiguration]);
    return applied.apply(async ([, hashes, client]) => {
      const need = healthCheckFor(
        deployed,
        hashes,
        plan.nodes.filter((n) => n.unreachable).map((n) => n.name),
      );
      if (pulumi.runtime.isDryRun() || need === "unchanged") return need;
      if (need === "after-removal") {
        pulumi.log.info(
          "the health check runs in the next `pulumi up`: nodes leave the cluster (or are marked unreachable) in this run, and Talos's checks would count them",
          this,
        );
        return need;
      }
      try {
        await talos.cluster.getHealth(
          {
            clientConfiguration: client,
            endpoints: plan.talosEndpoints,
            controlPlaneNodes: live.controlPlanes.map((n) => n.ip),
            workerNodes: live.workers.map((n) => n.ip),
            timeouts: { read: "15m" },
          },
          { parent: this },
        );
        return "healthy";
      } catch (e) {
        if (need === "first-deploy") throw e;
        pulumi.log.warn(
          `the cluster did not report healthy after this change: ${(e as Error).message || e}. ` +
            "The changes are applied; check `talosctl -n <control-plane ip> health` and `kubectl get nodes`.",
          this,
        );
        return "unhealthy";
      }
    });
  }
}
