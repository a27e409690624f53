// Scheduled in-cluster etcd snapshots (core/day2/etcd-backup.ts), through the cluster's Kubernetes
// provider (its kubeconfig resolves after the health check, when Talos has registered its CRDs).
// Narrow args: index.ts passes etcdBackupSpecOf(plan) when `etcdBackup` is set.
import * as k8s from "./k8s";
import * as pulumi from "@pulumi/pulumi";
import { backupManifests, type EtcdBackupSpec } from "../core/day2/etcd-backup";

export interface EtcdBackupScheduleArgs extends EtcdBackupSpec {
  kubernetesProvider: k8s.Provider;
}

export class EtcdBackupSchedule extends pulumi.ComponentResource {
  public readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: EtcdBackupScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:EtcdBackupSchedule", name, {}, opts);
    const m = backupManifests(args);
    const o = { parent: this, provider: args.kubernetesProvider };
    const sa = new k8s.apiextensions.CustomResource(`${name}-talos-sa`, m.serviceAccount as k8s.apiextensions.CustomResourceArgs, o);
    const pvc = new k8s.core.v1.PersistentVolumeClaim(`${name}-pvc`, m.pvc, o);
    this.cronJob = new k8s.batch.v1.CronJob(`${name}-cronjob`, m.cronJob as k8s.batch.v1.CronJobArgs, { ...o, dependsOn: [sa, pvc] });
    this.registerOutputs({});
  }
}
