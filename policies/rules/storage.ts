// storage-plan and storage-advice: the Ceph storage plan judged on the VMs the program emits (their
// disks: the first is the OS disk, the others raw data disks for OSDs), by the same rules as the
// program and the preflight (core/rules/storage-rules.ts). Each level and figure is set in the
// stack's policy config, like the sizing rules.
import { storageAdviceRule, storagePlanRule } from "../../core/rules/storage-rules";
import { RULE_NAMES } from "../../core/rules/names";
import { thresholdsFromPolicyConfig } from "../../core/rules/policy-config";
import { DEFAULT_THRESHOLDS } from "../../core/rules/thresholds";
import { stackPolicy } from "../stack-policy";

const d = DEFAULT_THRESHOLDS.storage;

export interface StoragePlanConfig {
  replicas?: number;
}
export interface StorageAdviceConfig {
  recommendedOsdGB?: number;
  osDiskGB?: number;
  workerOsDiskWithDataGB?: number;
}

export const storagePlanPolicy = stackPolicy<StoragePlanConfig>({
  name: RULE_NAMES.storagePlan,
  description:
    "Ceph data disks can hold 3 replicas: OSDs on at least 3 nodes on at least 3 Proxmox hosts, none below ceph-volume's 5 GB floor.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give at least 3 nodes on 3 different Proxmox hosts a data disk (`dataDisksGB`), or none if the cluster runs no Ceph; see docs/storage.md.",
  configSchema: { properties: { replicas: { type: "number", default: d.replicas } } },
  judge: (facts, c) => storagePlanRule(facts, thresholdsFromPolicyConfig({ [RULE_NAMES.storagePlan]: c }).storage),
});

export const storageAdvicePolicy = stackPolicy<StorageAdviceConfig>({
  name: RULE_NAMES.storageAdvice,
  description:
    "OSDs of 100 GB or more and of one size, OS disks of 50 GB (30 GB on workers with data disks), no Ceph data disks on control planes.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Size data disks alike and at 100 GB or more, OS disks at 50 GB or more; keep data disks on workers. See docs/storage.md.",
  configSchema: {
    properties: {
      recommendedOsdGB: { type: "number", default: d.recommendedOsdGB },
      osDiskGB: { type: "number", default: d.osDiskGB },
      workerOsDiskWithDataGB: { type: "number", default: d.workerOsDiskWithDataGB },
    },
  },
  judge: (facts, c) => storageAdviceRule(facts, thresholdsFromPolicyConfig({ [RULE_NAMES.storageAdvice]: c }).storage),
});
