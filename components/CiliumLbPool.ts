// LB IPAM pool and L2 announcement policy for Cilium. Created through a Kubernetes provider whose
// kubeconfig only resolves after the Talos health check passed: all nodes Ready means the Cilium
// agent runs, and the agent registers its CRDs before it reports the node network ready.
// Narrow args: index.ts passes lbPoolSpecOf(plan); another program may pass its own range, even
// another resource's outputs.
import * as k8s from "./k8s";
import * as pulumi from "@pulumi/pulumi";
import { type LbPoolSpec, l2Manifest, poolManifest } from "../core/cilium/lb-pool";

export interface CiliumLbPoolArgs extends LbPoolSpec<pulumi.Input<string>> {
  kubernetesProvider: k8s.Provider;
}

export class CiliumLbPool extends pulumi.ComponentResource {
  public readonly pool: k8s.apiextensions.CustomResource;
  public readonly l2Policy: k8s.apiextensions.CustomResource;

  constructor(name: string, args: CiliumLbPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:cilium:CiliumLbPool", name, {}, opts);
    const childOpts = { parent: this, provider: args.kubernetesProvider };
    this.pool = new k8s.apiextensions.CustomResource(`${name}-pool`, poolManifest(args), childOpts);
    this.l2Policy = new k8s.apiextensions.CustomResource(`${name}-l2`, l2Manifest(args), childOpts);
    this.registerOutputs({});
  }
}
