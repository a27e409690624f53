// the SDK's resource module, not its index: the policy pack imports this file (CLUSTER_CHANGE_TYPE), and
// the index (automation API, closure serialiser, TypeScript) would cost the pack about 0.6 s of CPU
import { ComponentResource, type ComponentResourceOptions } from "@pulumi/pulumi/resource";
import type { DeployedState } from "../core/deployed/state";

export const CLUSTER_CHANGE_TYPE = "homelab:deployed:ClusterChange";

/** What the running-cluster rules read of a state (core/deployed/changes.ts), as plain values. */
function view(s: DeployedState): Pick<DeployedState, "nodes" | "cluster" | "vmHardware"> {
  return JSON.parse(JSON.stringify({ nodes: s.nodes ?? [], cluster: s.cluster ?? {}, vmHardware: s.vmHardware ?? 1 }));
}

/**
 * Carries what the stack last deployed (`deployed`, its stack output) and what this run deploys
 * (`planned`) as component inputs, so the policy pack judges edits to a running cluster with the same
 * rules as the program and the preflight (core/deployed/changes.ts). Creates nothing. A new stack
 * records its planned state as the deployed one (nothing changes, only rules about the plan itself
 * speak), so an unchanged plan gives the same inputs on every run, the first one included.
 */
export class ClusterChange extends ComponentResource {
  constructor(name: string, args: { deployed?: DeployedState; planned: DeployedState }, opts?: ComponentResourceOptions) {
    super(CLUSTER_CHANGE_TYPE, name, { deployed: view(args.deployed ?? args.planned), planned: view(args.planned) }, opts);
    this.registerOutputs({});
  }
}
