import * as pulumi from "@pulumi/pulumi";
import { DeployedState } from "../core/deployed/state";

export const CLUSTER_CHANGE_TYPE = "homelab:deployed:ClusterChange";

/**
 * Carries what the stack last deployed (`deployed`, its stack output) and what this run deploys
 * (`planned`) as component inputs, so the policy pack judges edits to a running cluster with the same
 * rules as the program and the preflight (core/deployed/changes.ts). Creates nothing.
 */
export class ClusterChange extends pulumi.ComponentResource {
  constructor(name: string, args: { deployed?: DeployedState; planned: DeployedState }, opts?: pulumi.ComponentResourceOptions) {
    // JSON round trip: only plain values, no undefined (a new stack records `deployed: null`)
    super(CLUSTER_CHANGE_TYPE, name, JSON.parse(JSON.stringify({ deployed: args.deployed ?? null, planned: args.planned })), opts);
    this.registerOutputs({});
  }
}
