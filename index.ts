// Entry point: stack config -> validated plan -> components. Nothing is created unless the whole
// plan is valid; every problem is reported at once with its config key and fix.
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "./components/ApiEndpoint";
import { CiliumLbPool } from "./components/CiliumLbPool";
import { TalosCluster } from "./components/TalosCluster";
import { buildPlan, credentialEnv } from "./core/plan/build-plan";
import { formatProblems } from "./core/plan/problems";
import { CONFIG_KEYS, decodeConfigValue, readPolicyConfig } from "./core/plan/stack-file";

const config = new pulumi.Config("homelab");
const values: Record<string, unknown> = {};
for (const key of CONFIG_KEYS) {
  const text = config.get(key);
  if (text === undefined) continue;
  values[key] = decodeConfigValue(text);
}
const proxmoxApiToken = config.getSecret("proxmoxApiToken");
const haproxySshPrivateKey = config.getSecret("haproxySshPrivateKey");

const result = buildPlan({
  stack: pulumi.getStack(),
  config: values,
  secretsPresent: { proxmoxApiToken: proxmoxApiToken !== undefined, haproxySshPrivateKey: haproxySshPrivateKey !== undefined },
  env: credentialEnv(process.env),
  policyConfig: readPolicyConfig(__dirname, pulumi.getStack()),
});
if (!result.ok) {
  // RunError: the engine prints the message alone, no stack trace, and no resource is registered.
  throw new pulumi.RunError(formatProblems(result.problems));
}
const plan = result.plan;
for (const f of result.findings) pulumi.log.warn(`${f.key}: ${f.message} (fix: ${f.fix})`);

const proxmoxProvider = new proxmox.Provider("proxmox", {
  endpoint: plan.proxmox.endpoint || undefined,
  insecure: plan.proxmox.insecure,
  // from config when set, otherwise the provider reads PROXMOX_VE_API_TOKEN / _USERNAME / _PASSWORD
  apiToken: proxmoxApiToken,
});

const apiEndpoint = new ApiEndpoint("api", { plan, sshPrivateKey: haproxySshPrivateKey });
const cluster = new TalosCluster(plan.clusterName, { plan, proxmoxProvider, endpointReady: apiEndpoint.ready });

const kubernetesProvider = new k8s.Provider("cluster", {
  kubeconfig: pulumi.secret(pulumi.all([cluster.kubeconfig, cluster.healthy]).apply(([kc]) => kc)),
  enableServerSideApply: true,
});
new CiliumLbPool("cilium-lb", { plan, kubernetesProvider });

export const apiEndpointUrl = apiEndpoint.url;
export const endpointMode = plan.endpoint.mode;
export const kubeconfig = cluster.kubeconfig;
export const talosconfig = cluster.talosconfig;
export const nodes = plan.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host }));
export const machineConfigHashes = Object.fromEntries(
  [...cluster.controlPlanes, ...cluster.workers].map((n) => [n.node.name, n.configHash]),
);
