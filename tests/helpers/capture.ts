// Runs the program's components under Pulumi mocks and returns the resources they emit, shaped as
// the policy pack sees them ({type, name, props}). Policy tests start from these, never from
// hand-written shapes.
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "../../components/ApiEndpoint";
import { CiliumLbPool } from "../../components/CiliumLbPool";
import { TalosCluster } from "../../components/TalosCluster";
import { Plan } from "../../core/plan/types";
import { installMocks, recorded, resolve } from "./mocks";

export interface CapturedResource { type: string; name: string; props: Record<string, any> }

export async function captureProgram(plan: Plan): Promise<CapturedResource[]> {
  installMocks();
  const start = recorded.length;
  const provider = new proxmox.Provider(`proxmox-${plan.stack}`, { endpoint: plan.proxmox.endpoint });
  const api = new ApiEndpoint(`api-${plan.stack}`, { plan, sshPrivateKey: "test-key" });
  const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider: provider, endpointReady: api.ready });
  const kubernetesProvider = new k8s.Provider(`cluster-${plan.stack}`, { kubeconfig: cluster.kubeconfig });
  const pool = new CiliumLbPool(`cilium-lb-${plan.stack}`, { plan, kubernetesProvider });
  await resolve(pulumi.all([cluster.kubeconfig, cluster.talosconfig, cluster.healthy, pool.pool.id, pool.l2Policy.id]));
  return structuredClone(recorded.slice(start).map((r) => ({ type: r.type, name: r.name, props: r.inputs })));
}
