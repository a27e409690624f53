// Scheduled in-cluster etcd snapshots (core/day2/etcd-backup.ts), through the cluster's Kubernetes
// provider (its kubeconfig resolves after the health check, when Talos has registered its CRDs).
import * as k8s from "./k8s";
import * as pulumi from "@pulumi/pulumi";
import { etcdBackupManifests } from "../core/day2/etcd-backup";
import type { Plan } from "../core/plan/types";

export class EtcdBackupSchedule extends pulumi.ComponentResource {
  public readonly cronJob?: k8s.batch.v1.CronJob;

  constructor(name: string, args: { plan: Plan; kubernetesProvider: k8s.Provider }, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:EtcdBackupSchedule", name, {}, opts);
    const m = etcdBackupManifests(args.plan);
    if (m) {
      const o = { parent: this, provider: args.kubernetesProvider };
      const sa = new k8s.apiextensions.CustomResource(`${name}-talos-sa`, m.serviceAccount as k8s.apiextensions.CustomResourceArgs, o);
      const pvc = new k8s.core.v1.PersistentVolumeClaim(`${name}-pvc`, m.pvc, o);
      this.cronJob = new k8s.batch.v1.CronJob(`${name}-cronjob`, m.cronJob as k8s.batch.v1.CronJobArgs, { ...o, dependsOn: [sa, pvc] });
    }
    this.registerOutputs({});
  }
}
