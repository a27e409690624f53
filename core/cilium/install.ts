// Cilium is installed by Talos itself at bootstrap: the control planes carry an inline manifest
// (cluster.inlineManifests) with a Job that runs cilium-cli. Why this path:
//  - offline preview: nothing is rendered client-side (no Helm chart, no cluster needed; see
//    pulumi-kubernetes #2985 and #3027), the manifest is plain data inside the machine config;
//  - CNI ordering: Talos applies inline manifests right after bootstrap, so nodes waiting for a CNI
//    (NotReady) become Ready as soon as the Job has installed Cilium; nothing outside the cluster
//    has to reach the API first.
//  - upgrades: the Job's name carries the version, so changing versions.cilium adds a new Job that
//    runs `cilium upgrade`, and Talos replaces the old one when the new config is applied.
import { stringify } from "yaml";
import { Plan } from "../plan/types";

export const CILIUM_NAMESPACE = "kube-system";

/** Helm values Talos needs for Cilium (Talos docs, "Deploying Cilium CNI"). */
export function ciliumHelmValues(plan: Plan): Record<string, string> {
  return {
    "ipam.mode": "kubernetes",
    kubeProxyReplacement: "true",
    // kube-proxy is disabled, so Cilium reaches the API through KubePrism on every node.
    k8sServiceHost: "localhost",
    k8sServicePort: String(plan.kubePrismPort),
    "securityContext.capabilities.ciliumAgent": "{CHOWN,KILL,NET_ADMIN,NET_RAW,IPC_LOCK,SYS_ADMIN,SYS_RESOURCE,DAC_OVERRIDE,FOWNER,SETGID,SETUID}",
    "securityContext.capabilities.cleanCiliumState": "{NET_ADMIN,SYS_ADMIN,SYS_RESOURCE}",
    "cgroup.autoMount.enabled": "false",
    "cgroup.hostRoot": "/sys/fs/cgroup",
    "l2announcements.enabled": "true",
    "externalIPs.enabled": "true",
    devices: plan.network.interface,
    "operator.replicas": String(Math.min(2, plan.controlPlanes.length)),
  };
}

function jobName(plan: Plan): string {
  return `cilium-install-${plan.cilium.version.replace(/\./g, "-")}`;
}

export function ciliumInstallScript(plan: Plan): string {
  const sets = Object.entries(ciliumHelmValues(plan)).map(([k, v]) => `--set '${k}=${v}'`).join(" \\\n  ");
  const args = `--version ${plan.cilium.version} \\\n  ${sets}`;
  // upgrade when a release exists (version change), install otherwise (first bootstrap)
  return `set -e\nif cilium status >/dev/null 2>&1; then\n  cilium upgrade ${args}\nelse\n  cilium install ${args}\nfi\n`;
}

/** Kubernetes objects of the install Job, as plain objects (serialised into the inline manifest). */
export function ciliumInstallObjects(plan: Plan, cliImage = "quay.io/cilium/cilium-cli:v0.18.7"): Record<string, unknown>[] {
  const name = "cilium-install";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: CILIUM_NAMESPACE } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: CILIUM_NAMESPACE }],
    },
    {
      apiVersion: "batch/v1", kind: "Job", metadata: { name: jobName(plan), namespace: CILIUM_NAMESPACE },
      spec: {
        backoffLimit: 10,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            restartPolicy: "OnFailure",
            serviceAccountName: name,
            hostNetwork: true,
            // runs before any CNI exists: tolerate every taint, including not-ready
            tolerations: [{ operator: "Exists" }],
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] }] } } },
            containers: [{
              name, image: cliImage,
              env: [{ name: "KUBERNETES_SERVICE_HOST", value: "localhost" }, { name: "KUBERNETES_SERVICE_PORT", value: String(plan.kubePrismPort) }],
              command: ["/bin/sh", "-c", ciliumInstallScript(plan)],
            }],
          },
        },
      },
    },
  ];
}

/** The `cluster.inlineManifests` entry for control-plane patches. */
export function ciliumInlineManifest(plan: Plan): { name: string; contents: string } {
  return { name: "cilium-install", contents: ciliumInstallObjects(plan).map((o) => stringify(o)).join("---\n") };
}
