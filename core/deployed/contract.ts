// The config contract: the Talos version machine configs are generated for. It stays at the version
// the cluster was created with until the user sets `versions.talosConfig`; regenerating configs for a
// newer contract on upgrade is what broke etcd encryption for Terraform users
// (siderolabs/terraform-provider-talos#399, siderolabs/talos#13885).
import type { Plan } from "../plan/types";
import { release, talosMinorOf } from "../versions";
import type { DeployedState } from "./state";

/**
 * The plan with its contract resolved: versions.talosConfig, else the deployed contract, else
 * versions.talos. The configs keep the running Kubernetes version too, until the day-2 step rolled the
 * new one (its success is what records it in `deployed`); the next run then catches the configs up.
 */
export function resolveContract(plan: Plan, deployed: DeployedState | undefined): Plan {
  const running = deployed?.kubernetesVersion ? release(deployed.kubernetesVersion) : undefined;
  if (running) plan = { ...plan, configKubernetesVersion: `v${running}` };
  if (plan.configTalosVersionSet) return plan;
  for (const candidate of [deployed?.configTalosVersion, deployed?.talosVersion]) {
    const v = candidate ? release(candidate) : undefined;
    const minor = v ? talosMinorOf(v) : undefined;
    if (v && minor) return { ...plan, configTalosVersion: `v${v}`, configTalosMinor: minor };
  }
  return plan;
}
