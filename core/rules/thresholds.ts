// Thresholds of the rules. Defaults follow the reference plan; the policy pack's configSchema,
// the per-stack policy config files and the preflight command all read these same names.
export interface SizingThreshold {
  cpu: number;
  memoryGiB: number;
  diskGB: number;
}

export interface Thresholds {
  /** allow a single control plane (small or throwaway environments) */
  allowSingleControlPlane: boolean;
  recommendedSizing: { controlplane: SizingThreshold; worker: SizingThreshold };
  minimumDnsServers: number;
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
  };
}
