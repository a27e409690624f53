// Runs the program's components under Pulumi mocks and returns the resources they emit, shaped as
// the policy pack sees them ({type, name, props}). Policy tests start from these, never from
// hand-written shapes.
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "../../components/ApiEndpoint";
import { CiliumLbPool } from "../../components/CiliumLbPool";
import { TalosCluster } from "../../components/TalosCluster";
import type { Plan } from "../../core/plan/types";
import { lbPoolSpecOf } from "../../core/cilium/lb-pool";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { installMocks, installPreviewMocks, type RawRegistration, rawRegistrations, recorded, resolve } from "./mocks";

export interface CapturedResource {
  type: string;
  name: string;
  props: Record<string, any>;
}

function declareProgram(plan: Plan) {
  const provider = new proxmox.Provider(`proxmox-${plan.stack}`, { endpoint: plan.proxmox.endpoint });
  const cluster = new TalosCluster(plan.clusterName, {
    plan,
    proxmoxProvider: provider,
    endpoint: (secrets) =>
      new ApiEndpoint(`api-${plan.stack}`, {
        endpoint: plan.endpoint,
        controlPlanes: plan.controlPlanes,
        sshPrivateKey: "test-key",
        kubernetesCa: secrets.machineSecrets.certs.k8s,
      }).ready,
  });
  const kubernetesProvider = new k8s.Provider(`cluster-${plan.stack}`, { kubeconfig: cluster.kubeconfig });
  const pool = new CiliumLbPool(`cilium-lb-${plan.stack}`, { ...lbPoolSpecOf(plan), kubernetesProvider });
  return { cluster, pool };
}

export async function captureProgram(plan: Plan): Promise<CapturedResource[]> {
  installMocks();
  const start = recorded.length;
  const { cluster, pool } = declareProgram(plan);
  await resolve(
    pulumi.all([cluster.kubeconfig, cluster.talosconfig, cluster.healthy, cluster.upgrade.done, pool.pool.id, pool.l2Policy.id]),
  );
  return structuredClone(recorded.slice(start).map((r) => ({ type: r.type, name: r.name, props: r.inputs })));
}

/**
 * The program's registrations on a first preview (nothing exists yet), in their serialised form:
 * unknown values are the engine's unknown sentinel, as a policy pack receives them.
 */
export async function capturePreview(plan: Plan): Promise<RawRegistration[]> {
  installPreviewMocks();
  const start = rawRegistrations.length;
  declareProgram(plan);
  // internal to @pulumi/pulumi (not in its typings): resolves once every registration has been sent
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return structuredClone(rawRegistrations.slice(start));
}
