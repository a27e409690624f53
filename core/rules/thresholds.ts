// Thresholds of the rules. Defaults follow the reference plan; the policy pack's configSchema,
// the per-stack policy config files and the preflight command all read these same names.
export interface SizingThreshold {
  cpu: number;
  memoryGiB: number;
  diskGB: number;
}

/** The storage rules' figures (core/rules/storage-rules.ts); from the article's "Storage Planning". */
export interface StorageThresholds {
  /** copies Ceph keeps of every object (pool size), each on its own node: storage-plan */
  replicas: number;
  /** smallest OSD worth having (about 10% goes to metadata): storage-advice */
  recommendedOsdGB: number;
  /** OS disk of every node: storage-advice */
  osDiskGB: number;
  /** OS disk of a worker whose data lives on separate data disks: storage-advice */
  workerOsDiskWithDataGB: number;
}

export interface Thresholds {
  /** allow a single control plane (small or throwaway environments) */
  allowSingleControlPlane: boolean;
  recommendedSizing: { controlplane: SizingThreshold; worker: SizingThreshold };
  minimumDnsServers: number;
  storage: StorageThresholds;
}

/** Talos's own floor (https://www.talos.dev system requirements); not configurable. */
export const TALOS_MINIMUM: { controlplane: SizingThreshold; worker: SizingThreshold } = {
  controlplane: { cpu: 2, memoryGiB: 2, diskGB: 10 },
  worker: { cpu: 1, memoryGiB: 1, diskGB: 10 },
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  allowSingleControlPlane: false,
  recommendedSizing: {
    controlplane: { cpu: 4, memoryGiB: 8, diskGB: 50 },
    worker: { cpu: 8, memoryGiB: 16, diskGB: 100 },
  },
  minimumDnsServers: 2,
  storage: { replicas: 3, recommendedOsdGB: 100, osDiskGB: 50, workerOsDiskWithDataGB: 30 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function mergeThresholds(overrides: DeepPartial<Thresholds> | undefined): Thresholds {
  const o = overrides ?? {};
  const rs = o.recommendedSizing ?? {};
  return {
    allowSingleControlPlane: o.allowSingleControlPlane ?? DEFAULT_THRESHOLDS.allowSingleControlPlane,
    minimumDnsServers: o.minimumDnsServers ?? DEFAULT_THRESHOLDS.minimumDnsServers,
    recommendedSizing: {
      controlplane: { ...DEFAULT_THRESHOLDS.recommendedSizing.controlplane, ...(rs.controlplane ?? {}) },
      worker: { ...DEFAULT_THRESHOLDS.recommendedSizing.worker, ...(rs.worker ?? {}) },
    },
    // a figure the config leaves out (undefined) keeps its default
    storage: { ...DEFAULT_THRESHOLDS.storage, ...Object.fromEntries(Object.entries(o.storage ?? {}).filter(([, v]) => v !== undefined)) },
  };
}
