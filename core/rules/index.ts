// Every rule, run in one place, so the program, the preflight command and the policy pack agree.
import type { ClusterFacts, Finding } from "./facts";
import type { Thresholds } from "./thresholds";
import {
  controlPlaneSpread,
  dnsServers,
  ntpServers,
  oddControlPlaneCount,
  recommendedSizing,
  talosEndpointsNotVip,
  talosMinimumSizing,
  uniqueNodeIdentity,
} from "./cluster-rules";
import { nonOverlappingNetworks } from "./network-rules";
import { storageAdviceRule, storagePlanRule } from "./storage-rules";

export * from "./facts";
export * from "./thresholds";
export * from "./names";
export {
  controlPlaneSpread,
  dnsServers,
  ntpServers,
  nonOverlappingNetworks,
  oddControlPlaneCount,
  recommendedSizing,
  talosEndpointsNotVip,
  talosMinimumSizing,
  uniqueNodeIdentity,
};
export { storageAdviceRule, storagePlanRule } from "./storage-rules";

export function runAllRules(facts: ClusterFacts, t: Thresholds): Finding[] {
  return [
    ...oddControlPlaneCount(facts, t),
    ...talosMinimumSizing(facts),
    ...recommendedSizing(facts, t),
    ...uniqueNodeIdentity(facts),
    ...nonOverlappingNetworks(facts),
    ...dnsServers(facts, t),
    ...ntpServers(facts),
    ...controlPlaneSpread(facts),
    ...talosEndpointsNotVip(facts),
    ...storagePlanRule(facts, t.storage),
    ...storageAdviceRule(facts, t.storage),
  ];
}
