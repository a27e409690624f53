// ControlPlaneNode and WorkerNode: a Proxmox VM plus its Talos machine configuration and apply.
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { stringify } from "yaml";
import { NodePlan, Plan } from "../core/plan/types";
import { nodePatchDocuments } from "../core/talos/patches";
import { ProxmoxVm } from "./ProxmoxVm";

export interface TalosNodeArgs {
  plan: Plan;
  node: NodePlan;
  imageFileId: pulumi.Input<string>;
  schematicId: pulumi.Input<string>;
  machineSecrets: pulumi.Input<talos.types.input.machine.MachineSecretsArgs>;
  clientConfiguration: pulumi.Input<talos.types.input.machine.ClientConfiguration>;
  proxmoxProvider: pulumi.ProviderResource;
}

/** Serialises patch documents into the config-patch strings the Talos provider takes (one per document). */
export function patchStrings(plan: Plan, node: NodePlan, schematicId: string): string[] {
  return nodePatchDocuments(plan, node, schematicId).map((doc) => stringify(doc));
}

abstract class TalosNode extends pulumi.ComponentResource {
  public readonly vm: ProxmoxVm;
  public readonly apply: talos.machine.ConfigurationApply;
  public readonly configHash: pulumi.Output<string>;
  public readonly node: NodePlan;

  protected constructor(type: string, name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const { plan, node } = args;
    this.node = node;
    this.vm = new ProxmoxVm(`${name}-vm`, { plan, node, imageFileId: args.imageFileId, proxmoxProvider: args.proxmoxProvider }, { parent: this });
    const patches = pulumi.output(args.schematicId).apply((id) => patchStrings(plan, node, id));
    const config = talos.machine.getConfigurationOutput({
      clusterName: plan.clusterName,
      clusterEndpoint: plan.endpoint.url,
      machineType: node.role,
      machineSecrets: args.machineSecrets,
      talosVersion: plan.talosVersion,
      kubernetesVersion: plan.kubernetesVersion,
      docs: false,
      examples: false,
    }, { parent: this });
    this.apply = new talos.machine.ConfigurationApply(`${name}-config`, {
      clientConfiguration: args.clientConfiguration,
      machineConfigurationInput: config.machineConfiguration,
      node: node.ip,
      endpoint: node.ip,
      configPatches: patches,
      applyMode: "auto",
    }, { parent: this, dependsOn: [this.vm] });
    this.configHash = this.apply.machineConfigurationHash;
    this.registerOutputs({ configHash: this.configHash });
  }
}

export class ControlPlaneNode extends TalosNode {
  constructor(name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:ControlPlaneNode", name, args, opts);
  }
}

export class WorkerNode extends TalosNode {
  constructor(name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:WorkerNode", name, args, opts);
  }
}
