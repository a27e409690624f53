// Runs the program's components under Pulumi mocks and returns the resources they emit, shaped as
// the policy pack sees them ({type, name, props}). Policy tests start from these, never from
// hand-written shapes.
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "../../components/ApiEndpoint";
import { kubernetesAddOns } from "../../components/kubernetes-add-ons";
import { TalosCluster } from "../../components/TalosCluster";
import type { Plan } from "../../core/plan/types";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { installMocks, installPreviewMocks, type RawRegistration, rawRegistrations, recorded, resolve } from "./mocks";

export interface CapturedResource {
  type: string;
  name: string;
  props: Record<string, any>;
}

/**
 * index.ts's resources without its checks: the real index.ts refuses a plan that breaks a rule before it
 * registers anything, so a policy could never be shown a violation. Same names and arguments as
 * index.ts (policies/tests/program-equivalence.test.ts compares the two on the reference stacks).
 */
function declareProgram(plan: Plan) {
  const provider = new proxmox.Provider("proxmox", { endpoint: plan.proxmox.endpoint || undefined, insecure: plan.proxmox.insecure });
  const cluster = new TalosCluster(plan.clusterName, {
    plan,
    proxmoxProvider: provider,
    endpoint: (secrets) =>
      new ApiEndpoint("api", {
        endpoint: plan.endpoint,
        controlPlanes: plan.controlPlanes,
        sshPrivateKey: "test-key",
        kubernetesCa: secrets.machineSecrets.certs.k8s,
      }).ready,
  });
  const kubernetesProvider = new k8s.Provider("cluster", {
    kubeconfig: pulumi.secret(pulumi.all([cluster.kubeconfig, cluster.healthy]).apply(([kc]) => kc)),
    enableServerSideApply: true,
  });
  const { lbPool: pool } = kubernetesAddOns(plan, kubernetesProvider);
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
