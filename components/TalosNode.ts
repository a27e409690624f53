// ControlPlaneNode and WorkerNode: a Proxmox VM plus its Talos machine configuration and apply.
import { createHash } from "node:crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import { stringify } from "yaml";
import type { NodePlan, Plan } from "../core/plan/types";
import { applyModeFor } from "../core/deployed/rollout";
import type { DeployedState } from "../core/deployed/state";
import { NODE_OBJECT_DELETE_SCRIPT, RESET_ON_DESTROY } from "../core/talos/node-removal";
import { nodePatchDocuments } from "../core/talos/patches";
import { ProxmoxVm } from "./ProxmoxVm";
import { vmSiteOf } from "../core/plan/proxmox-vm";

export interface TalosNodeArgs {
  plan: Plan;
  node: NodePlan;
  imageFileId: pulumi.Input<string>;
  schematicId: pulumi.Input<string>;
  machineSecrets: pulumi.Input<talos.types.input.machine.MachineSecretsArgs>;
  clientConfiguration: pulumi.Input<talos.types.input.machine.ClientConfiguration>;
  proxmoxProvider: pulumi.ProviderResource;
  /** the node ran under the last successful `up` (from the stack's `deployed` output) */
  alreadyDeployed: boolean;
  /** that output: the apply mode and config inputs the node last got */
  deployed?: DeployedState;
  /** talosconfig contents, for the command that deletes the Kubernetes Node object on removal */
  talosconfig: pulumi.Input<string>;
  /** the cluster's machine secrets: when they go too (whole-stack destroy), skip per-node removal steps */
  clusterSecrets: pulumi.Resource;
  /**
   * A Kubernetes upgrade is under way (core/deployed/rollout.ts configEditsHeld): a running node keeps
   * the config it has; the run after the upgrade applies the edits.
   */
  holdConfigEdits?: boolean;
  /** what the node's VM (and so its config) waits for: the etcd snapshot before a control-plane change */
  after?: pulumi.Resource[];
  /** what the config apply waits for besides the VM: the previous control plane's gate */
  applyAfter?: pulumi.Resource[];
}

/** Serialises patch documents into the config-patch strings the Talos provider takes (one per document). */
export function patchStrings(plan: Plan, node: NodePlan, schematicId: string): string[] {
  return nodePatchDocuments(plan, node, schematicId).map((doc) => stringify(doc));
}

abstract class TalosNode extends pulumi.ComponentResource {
  public readonly vm: ProxmoxVm;
  public readonly apply: talos.machine.ConfigurationApply;
  public readonly configHash: pulumi.Output<string>;
  /** `staged` when Talos kept a reboot-needing config for the next reboot */
  public readonly resolvedApplyMode: pulumi.Output<string>;
  /** the apply mode given and the hash of what the config is rendered from (recorded in `deployed`) */
  public readonly applyMode: pulumi.Output<string>;
  public readonly configInputHash: pulumi.Output<string>;
  public readonly nodeObject: command.local.Command;
  public readonly node: NodePlan;

  protected constructor(type: string, name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const { plan, node } = args;
    this.node = node;
    this.vm = new ProxmoxVm(
      `${name}-vm`,
      { site: vmSiteOf(plan, node), node, imageFileId: args.imageFileId, proxmoxProvider: args.proxmoxProvider },
      { parent: this, dependsOn: args.after ?? [] },
    );
    const patches = pulumi.output(args.schematicId).apply((id) => patchStrings(plan, node, id));
    const configArgs = {
      clusterName: plan.clusterName,
      clusterEndpoint: plan.endpoint.url,
      machineType: node.role,
      // the config contract, not the installed version (siderolabs/terraform-provider-talos#399)
      talosVersion: plan.configTalosVersion,
      // the running Kubernetes until the day-2 step rolled the new one (see Plan.configKubernetesVersion)
      kubernetesVersion: plan.configKubernetesVersion,
    };
    // everything the rendered config depends on but the machine secrets (protected, never change)
    this.configInputHash = patches.apply((p) =>
      createHash("sha256")
        .update(JSON.stringify({ ...configArgs, patches: p }))
        .digest("hex"),
    );
    this.applyMode = this.configInputHash.apply((h) => applyModeFor(args.alreadyDeployed, h, args.deployed, node.name));
    const config = talos.machine.getConfigurationOutput(
      {
        ...configArgs,
        machineSecrets: args.machineSecrets,
        docs: false,
        examples: false,
      },
      { parent: this },
    );
    // Deleted after the apply (its reset) and before the VM: see core/talos/node-removal.ts.
    this.nodeObject = new command.local.Command(
      `${name}-node-object`,
      {
        create: "true",
        update: "true", // input changes must never replace it: a replacement would run the delete
        delete: NODE_OBJECT_DELETE_SCRIPT,
        interpreter: ["/bin/sh", "-c"],
        environment: {
          NODE_NAME: node.name,
          NODE_IP: node.ip,
          CONTROL_PLANES: plan.controlPlanes
            .filter((c) => c.name !== node.name && !c.unreachable)
            .map((c) => c.ip)
            .join(" "),
          TALOSCONFIG_DATA: pulumi.secret(args.talosconfig),
        },
        // the talosconfig in the environment is an admin credential: secret in the state too
      },
      { parent: this, dependsOn: [this.vm], deletedWith: args.clusterSecrets, additionalSecretOutputs: ["environment"] },
    );
    this.apply = new talos.machine.ConfigurationApply(
      `${name}-config`,
      {
        clientConfiguration: args.clientConfiguration,
        machineConfigurationInput: config.machineConfiguration,
        node: node.ip,
        endpoint: node.ip,
        configPatches: patches,
        // A node in maintenance mode (new VM) takes its first config with `auto` (installs, reboots).
        // On a running node a changed config that needs a reboot is staged instead, so no edit reboots
        // nodes in parallel; the program lists staged nodes to roll one at a time. An unchanged config
        // keeps the mode it had (core/deployed/rollout.ts applyModeFor).
        applyMode: this.applyMode,
        onDestroy: RESET_ON_DESTROY,
      },
      {
        parent: this,
        dependsOn: [this.vm, this.nodeObject, ...(args.applyAfter ?? [])],
        ...(node.unreachable
          ? // a node that no longer answers: nothing may contact it. The engine keeps every input as it is
            // (no update), and when the node leaves the stack file the apply is dropped from the state
            // without the provider's delete, whose reset would have to reach the node (docs/day2.md: removing a
            // node that no longer answers)
            { ignoreChanges: ["*"], retainOnDelete: true }
          : {
              // a new VM is blank: apply the config again; the old node leaves etcd before its VM goes
              replaceWith: [this.vm.vm],
              deleteBeforeReplace: true,
              // the engine keeps the applied config's inputs; a replacement or a new node gets the whole config
              ...(args.holdConfigEdits && args.alreadyDeployed
                ? { ignoreChanges: ["machineConfigurationInput", "configPatches", "applyMode"] }
                : {}),
            }),
        // whole-stack destroy: no graceful resets, the VMs are deleted anyway
        deletedWith: args.clusterSecrets,
      },
    );
    this.configHash = this.apply.machineConfigurationHash;
    this.resolvedApplyMode = this.apply.resolvedApplyMode;
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
