// The Talos cluster: machine secrets, the nodes, bootstrap (exactly once, on the first control plane,
// after its config is applied), kubeconfig, talosconfig and a health check.
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { Plan } from "../core/plan/types";
import { ControlPlaneNode, WorkerNode } from "./TalosNode";
import { TalosImage } from "./TalosImage";

export interface TalosClusterArgs {
  plan: Plan;
  proxmoxProvider: pulumi.ProviderResource;
  /** resources the API endpoint needs before nodes can use it (e.g. the HAProxy deployment) */
  endpointReady?: pulumi.Input<pulumi.Resource>[];
}

export class TalosCluster extends pulumi.ComponentResource {
  public readonly secrets: talos.machine.Secrets;
  public readonly controlPlanes: ControlPlaneNode[];
  public readonly workers: WorkerNode[];
  public readonly bootstrap: talos.machine.Bootstrap;
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly talosconfig: pulumi.Output<string>;
  /** resolves once Talos reports the cluster healthy (all nodes Ready, which needs Cilium up) */
  public readonly healthy: pulumi.Output<string>;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:TalosCluster", name, {}, opts);
    const { plan } = args;

    // Losing these means re-keying the whole cluster: protected from deletion, outputs kept secret.
    this.secrets = new talos.machine.Secrets(`${name}-secrets`, { talosVersion: plan.talosVersion }, {
      parent: this, protect: true, additionalSecretOutputs: ["machineSecrets", "clientConfiguration"],
    });
    const clientConfiguration = this.secrets.clientConfiguration;

    const image = new TalosImage(`${name}-image`, { plan, proxmoxProvider: args.proxmoxProvider }, { parent: this });
    const nodeArgs = (node: Plan["nodes"][number]) => {
      return {
        plan, node, proxmoxProvider: args.proxmoxProvider,
        imageFileId: image.fileIds[node.host],
        schematicId: image.schematicId,
        machineSecrets: this.secrets.machineSecrets,
        clientConfiguration,
      };
    };
    const nodeOpts = { parent: this, dependsOn: args.endpointReady ?? [] };
    this.controlPlanes = plan.controlPlanes.map((n) => new ControlPlaneNode(n.name, nodeArgs(n), nodeOpts));
    this.workers = plan.workers.map((n) => new WorkerNode(n.name, nodeArgs(n), nodeOpts));

    const first = this.controlPlanes.find((c) => c.node.name === plan.bootstrapNode.name)!;
    this.bootstrap = new talos.machine.Bootstrap(`${name}-bootstrap`, {
      node: plan.bootstrapNode.ip,
      endpoint: plan.bootstrapNode.ip,
      clientConfiguration,
    }, { parent: this, dependsOn: [first.apply] });

    const kubeconfig = new talos.cluster.Kubeconfig(`${name}-kubeconfig`, {
      node: plan.bootstrapNode.ip,
      endpoint: plan.bootstrapNode.ip,
      clientConfiguration,
    }, { parent: this, dependsOn: [this.bootstrap], additionalSecretOutputs: ["kubernetesClientConfiguration", "clientConfiguration"] });
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw);

    // Break-glass access: talosctl talks to the control-plane IPs directly, never to the VIP.
    this.talosconfig = pulumi.secret(talos.client.getConfigurationOutput({
      clusterName: plan.clusterName,
      clientConfiguration,
      endpoints: plan.talosEndpoints,
      nodes: plan.nodes.map((n) => n.ip),
    }, { parent: this }).talosConfig);

    // The health check runs after every apply and the bootstrap; it waits for all nodes to be Ready.
    const applied = pulumi.all([this.bootstrap.id, ...[...this.controlPlanes, ...this.workers].map((n) => n.apply.id)]);
    this.healthy = applied.apply(() => talos.cluster.getHealthOutput({
      clientConfiguration,
      endpoints: plan.talosEndpoints,
      controlPlaneNodes: plan.controlPlanes.map((n) => n.ip),
      workerNodes: plan.workers.map((n) => n.ip),
      timeouts: { read: "15m" },
    }, { parent: this }).id);

    this.registerOutputs({ kubeconfig: this.kubeconfig, talosconfig: this.talosconfig });
  }
}
