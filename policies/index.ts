// CrossGuard pack: judges the resources the homelab program emits (not its stack config).
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("homelab", { policies: allPolicies });
