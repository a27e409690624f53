// Cilium is installed by Talos itself at bootstrap: the control planes carry an inline manifest
// (cluster.inlineManifests) with a Job that runs cilium-cli. Why this path:
//  - offline preview: nothing is rendered client-side (no Helm chart, no cluster needed; see
//    pulumi-kubernetes #2985 and #3027), the manifest is plain data inside the machine config;
//  - CNI ordering: Talos applies inline manifests right after bootstrap, so nodes waiting for a CNI
//    (NotReady) become Ready as soon as the Job has installed Cilium.
//
// How Talos treats inline manifests (its manifest-apply controller; Talos docs on inlineManifests):
// it creates objects that are missing, leaves existing ones untouched and never deletes any. So:
//  - the Job's name carries a hash of everything it does (version, values, image): any change is a
//    new Job, which Talos creates and which then runs; a changed Job under an old name would never run;
//  - old Jobs are not removed by Talos, and are deliberately kept (no ttlSecondsAfterFinished): a
//    control plane still on the previous config during a rollout would otherwise re-create the
//    deleted old Job and roll Cilium back. They are finished objects and cost nothing;
//  - `talosctl upgrade-k8s` re-syncs manifests with a full update; a Job with a generated selector
//    fails that update (siderolabs/talos #11603), so the selector is set explicitly (manualSelector);
//  - the script decides install vs upgrade itself, from the Helm release records, and is safe to
//    run again: with the same inputs an upgrade changes nothing.
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { Plan } from "../plan/types";

export const CILIUM_NAMESPACE = "kube-system";
export const CILIUM_RELEASE = "cilium";
/**
 * cilium-cli's plain image is built FROM scratch (the binary and CA certificates only, no shell);
 * the -ci image is Ubuntu with cilium and kubectl, which the script needs (Talos's own Job example
 * uses it too).
 */
export const CILIUM_CLI_IMAGE = "quay.io/cilium/cilium-cli-ci:v0.18.7";

/** Helm values Talos needs for Cilium (Talos docs, "Deploying Cilium CNI"). */
export function ciliumHelmValues(plan: Plan): Record<string, string> {
  return {
    "ipam.mode": "kubernetes",
    kubeProxyReplacement: "true",
    // kube-proxy is disabled, so Cilium reaches the API through KubePrism on every node.
    k8sServiceHost: "localhost",
    k8sServicePort: String(plan.kubePrismPort),
    "securityContext.capabilities.ciliumAgent":
      "{CHOWN,KILL,NET_ADMIN,NET_RAW,IPC_LOCK,SYS_ADMIN,SYS_RESOURCE,DAC_OVERRIDE,FOWNER,SETGID,SETUID}",
    "securityContext.capabilities.cleanCiliumState": "{NET_ADMIN,SYS_ADMIN,SYS_RESOURCE}",
    "cgroup.autoMount.enabled": "false",
    "cgroup.hostRoot": "/sys/fs/cgroup",
    "l2announcements.enabled": "true",
    "externalIPs.enabled": "true",
    devices: plan.network.interface,
    "operator.replicas": String(Math.min(2, plan.controlPlanes.length)),
  };
}

/**
 * Install when no Helm release of Cilium exists, upgrade when a deployed one does. The release
 * records are Helm's own Secrets (sh.helm.release.v1.cilium.v<N>, labelled owner=helm, name=cilium,
 * status=<deployed|failed|pending-...>). `cilium status` is not the test: it fails on a degraded but
 * existing install, and `cilium install` onto an existing release fails.
 */
export function ciliumInstallScript(plan: Plan): string {
  const sets = Object.entries(ciliumHelmValues(plan))
    .map(([k, v]) => `--set '${k}=${v}'`)
    .join(" \\\n  ");
  const args = `--version ${plan.cilium.version} \\\n  ${sets}`;
  return `set -eu
command -v kubectl >/dev/null || { echo "kubectl is missing from the image" >&2; exit 1; }
# API unreachable: fail and let the Job retry, never guess "not installed"
statuses=$(kubectl -n ${CILIUM_NAMESPACE} get secret -l owner=helm,name=${CILIUM_RELEASE} -o jsonpath='{range .items[*]}{.metadata.labels.status}{"\\n"}{end}')
if printf '%s\\n' "$statuses" | grep -qx deployed; then
  echo "Helm release ${CILIUM_RELEASE} is deployed: upgrading to ${plan.cilium.version}"
  # --reset-values: the release gets exactly these values, not a merge with earlier ones
  cilium upgrade --reset-values ${args}
elif [ -z "$statuses" ]; then
  echo "no Helm release ${CILIUM_RELEASE}: installing ${plan.cilium.version}"
  cilium install ${args}
else
  echo "Helm release ${CILIUM_RELEASE} exists but was never deployed (states: $(echo $statuses)); an interrupted or failed operation needs a person:" >&2
  echo "  kubectl -n ${CILIUM_NAMESPACE} get secret -l owner=helm,name=${CILIUM_RELEASE}   (then helm rollback, or delete the stuck record)" >&2
  exit 1
fi
`;
}

/** Name of the Job: version plus a hash of its whole content, so any change is a new Job. */
export function ciliumJobName(plan: Plan, cliImage = CILIUM_CLI_IMAGE): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([cliImage, ciliumInstallScript(plan)]))
    .digest("hex")
    .slice(0, 8);
  return `cilium-install-${plan.cilium.version.replace(/\./g, "-")}-${hash}`;
}

/** Kubernetes objects of the install Job, as plain objects (serialised into the inline manifest). */
export function ciliumInstallObjects(plan: Plan, cliImage = CILIUM_CLI_IMAGE): Record<string, unknown>[] {
  const name = "cilium-install";
  const jobName = ciliumJobName(plan, cliImage);
  const labels = { "app.kubernetes.io/name": name, "homelab.dev/job": jobName };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: CILIUM_NAMESPACE } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: CILIUM_NAMESPACE }],
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: jobName, namespace: CILIUM_NAMESPACE, labels },
      spec: {
        backoffLimit: 10,
        // the selector is ours, unique per Job: an update by `talosctl upgrade-k8s` then matches
        manualSelector: true,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "OnFailure",
            serviceAccountName: name,
            hostNetwork: true,
            // runs before any CNI exists: tolerate every taint, including not-ready
            tolerations: [{ operator: "Exists" }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] }],
                },
              },
            },
            containers: [
              {
                name,
                image: cliImage,
                env: [
                  { name: "KUBERNETES_SERVICE_HOST", value: "localhost" },
                  { name: "KUBERNETES_SERVICE_PORT", value: String(plan.kubePrismPort) },
                ],
                command: ["/bin/sh", "-c", ciliumInstallScript(plan)],
              },
            ],
          },
        },
      },
    },
  ];
}

/** The `cluster.inlineManifests` entry for control-plane patches. */
export function ciliumInlineManifest(plan: Plan): { name: string; contents: string } {
  return {
    name: "cilium-install",
    contents: ciliumInstallObjects(plan)
      .map((o) => stringify(o))
      .join("---\n"),
  };
}
