import { oddControlPlaneCountPolicy } from "./rules/control-planes";
import { talosEndpointsNotVipPolicy } from "./rules/endpoints";
import { uniqueNodeIdentityPolicy } from "./rules/identity";
import { dnsServersPolicy, ntpServersPolicy } from "./rules/name-resolution-and-time";
import { nonOverlappingNetworksPolicy } from "./rules/networks";
import { controlPlaneSpreadPolicy } from "./rules/placement";
import { recommendedSizingPolicy, talosMinimumSizingPolicy } from "./rules/sizing";
import { upgradePathPolicy } from "./rules/upgrades";
import { runningClusterAdvicePolicy, runningClusterPolicy } from "./rules/running-cluster";
import { storageAdvicePolicy, storagePlanPolicy } from "./rules/storage";

export const allPolicies = [
  oddControlPlaneCountPolicy,
  talosMinimumSizingPolicy,
  recommendedSizingPolicy,
  nonOverlappingNetworksPolicy,
  uniqueNodeIdentityPolicy,
  dnsServersPolicy,
  ntpServersPolicy,
  controlPlaneSpreadPolicy,
  talosEndpointsNotVipPolicy,
  upgradePathPolicy,
  runningClusterPolicy,
  runningClusterAdvicePolicy,
  storagePlanPolicy,
  storageAdvicePolicy,
];
