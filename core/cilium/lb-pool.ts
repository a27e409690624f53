// The LB IPAM pool and the L2 announcement policy, as plain manifests (the CiliumLbPool component
// creates them; tests validate them against Cilium's CRD schemas).
import type { Plan } from "../plan/types";

export function lbPoolManifest(plan: Plan) {
  return {
    apiVersion: plan.cilium.lbPoolApiVersion,
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name: `${plan.clusterName}-pool` },
    spec: { blocks: [{ start: plan.lbPool.start, stop: plan.lbPool.stop }] },
  };
}

export function l2PolicyManifest(plan: Plan) {
  return {
    apiVersion: "cilium.io/v2alpha1",
    kind: "CiliumL2AnnouncementPolicy",
    metadata: { name: `${plan.clusterName}-l2` },
    spec: {
      loadBalancerIPs: true,
      externalIPs: true,
      interfaces: [`^${plan.network.interface}$`],
      // workers answer ARP for service IPs; control planes keep the API VIP to themselves
      nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] },
    },
  };
}
