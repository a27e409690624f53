// The LB IPAM pool and the L2 announcement policy, as plain manifests (the CiliumLbPool component
// creates them; tests validate them against Cilium's CRD schemas).
import type { Plan } from "../plan/types";

/** What the pool and the policy need; the addresses may be another resource's outputs (A = pulumi.Input<string>). */
export interface LbPoolSpec<A = string> {
  /** names the pool `<name>-pool` and the policy `<name>-l2` (the cluster's name) */
  name: string;
  /** CiliumLoadBalancerIPPool's API version for the Cilium release: cilium.io/v2 from 1.18 on */
  apiVersion: "cilium.io/v2" | "cilium.io/v2alpha1";
  /** first and last address Cilium may give a LoadBalancer Service */
  start: A;
  stop: A;
  /** the node interface that answers ARP for those addresses */
  interface: string;
}

export const lbPoolSpecOf = (plan: Plan): LbPoolSpec => ({
  name: plan.clusterName,
  apiVersion: plan.cilium.lbPoolApiVersion,
  start: plan.lbPool.start,
  stop: plan.lbPool.stop,
  interface: plan.network.interface,
});

export function poolManifest<A>(s: LbPoolSpec<A>) {
  return {
    apiVersion: s.apiVersion,
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name: `${s.name}-pool` },
    spec: { blocks: [{ start: s.start, stop: s.stop }] },
  };
}

export function l2Manifest(s: Pick<LbPoolSpec<unknown>, "name" | "interface">) {
  return {
    apiVersion: "cilium.io/v2alpha1",
    kind: "CiliumL2AnnouncementPolicy",
    metadata: { name: `${s.name}-l2` },
    spec: {
      loadBalancerIPs: true,
      externalIPs: true,
      interfaces: [`^${s.interface}$`],
      // workers answer ARP for service IPs; control planes keep the API VIP to themselves
      nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] },
    },
  };
}

export const lbPoolManifest = (plan: Plan) => poolManifest(lbPoolSpecOf(plan));
export const l2PolicyManifest = (plan: Plan) => l2Manifest(lbPoolSpecOf(plan));
