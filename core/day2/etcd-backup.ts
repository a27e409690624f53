// Scheduled etcd snapshots from inside the cluster (off unless `etcdBackup` is set): Talos's
// kubernetesTalosAPIAccess lets pods of one namespace call the Talos API with the os:etcd:backup role
// only; a talos.dev ServiceAccount gets Talos to put a talosconfig for that role into a Secret, which
// the CronJob mounts where talosctl looks for it. The talosctl image has no shell, so it writes the
// snapshot in an init container and a busybox container names it by date and keeps the newest N.
import type { Plan } from "../plan/types";

export const ETCD_BACKUP_ROLE = "os:etcd:backup";
export const ETCD_BACKUP_NAMESPACE = "kube-system";
const NAME = "etcd-backup";

/** What the schedule needs (etcdBackupSpecOf gives it from the plan). */
export interface EtcdBackupSpec {
  /** names the snapshot files `<clusterName>-<UTC time>.db` */
  clusterName: string;
  /** the talosctl image's tag: the cluster's Talos version */
  talosVersion: string;
  /** a control plane's own IP, never the VIP: the snapshot must work while the VIP moves */
  controlPlaneIp: string;
  schedule: string;
  keep: number;
  sizeGi: number;
  storageClass?: string;
}

/** undefined while `etcdBackup` is not set */
export function etcdBackupSpecOf(plan: Plan): EtcdBackupSpec | undefined {
  if (!plan.etcdBackup) return undefined;
  return { ...plan.etcdBackup, clusterName: plan.clusterName, talosVersion: plan.talosVersion, controlPlaneIp: plan.controlPlanes[0].ip };
}

export function etcdBackupManifests(
  plan: Plan,
): { serviceAccount: Record<string, any>; pvc: Record<string, any>; cronJob: Record<string, any> } | undefined {
  const spec = etcdBackupSpecOf(plan);
  return spec && backupManifests(spec);
}

export function backupManifests(b: EtcdBackupSpec): {
  serviceAccount: Record<string, any>;
  pvc: Record<string, any>;
  cronJob: Record<string, any>;
} {
  const cp = b.controlPlaneIp;
  const metadata = {
    name: NAME,
    namespace: ETCD_BACKUP_NAMESPACE,
    labels: { "app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "homelab" },
  };
  return {
    serviceAccount: { apiVersion: "talos.dev/v1alpha1", kind: "ServiceAccount", metadata, spec: { roles: [ETCD_BACKUP_ROLE] } },
    pvc: {
      metadata,
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: `${b.sizeGi}Gi` } },
        ...(b.storageClass ? { storageClassName: b.storageClass } : {}),
      },
    },
    cronJob: {
      metadata,
      spec: {
        schedule: b.schedule,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 3,
            template: {
              spec: {
                restartPolicy: "OnFailure",
                // control-plane IP, never the VIP: the snapshot must work while the VIP moves
                initContainers: [
                  {
                    name: "snapshot",
                    image: `ghcr.io/siderolabs/talosctl:${b.talosVersion}`,
                    args: ["-e", cp, "-n", cp, "etcd", "snapshot", "/backup/incoming.db"],
                    volumeMounts: [
                      { name: "talos-secrets", mountPath: "/var/run/secrets/talos.dev" },
                      { name: "backup", mountPath: "/backup" },
                    ],
                  },
                ],
                containers: [
                  {
                    name: "rotate",
                    image: "busybox:1.37",
                    command: [
                      "sh",
                      "-c",
                      `set -e; cd /backup; mv incoming.db "${b.clusterName}-$(date -u +%Y%m%dT%H%M%SZ).db"; ls -1t ${b.clusterName}-*.db | tail -n +${b.keep + 1} | xargs -r rm -f; ls -l`,
                    ],
                    volumeMounts: [{ name: "backup", mountPath: "/backup" }],
                  },
                ],
                volumes: [
                  { name: "talos-secrets", secret: { secretName: NAME } },
                  { name: "backup", persistentVolumeClaim: { claimName: NAME } },
                ],
              },
            },
          },
        },
      },
    },
  };
}
