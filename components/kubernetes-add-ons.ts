// What the program creates inside the cluster through its Kubernetes provider, from the plan. One
// function for index.ts and for the real Kubernetes provider's test program, so neither copies the
// other's wiring.
import type * as k8s from "./k8s";
import { CiliumLbPool } from "./CiliumLbPool";
import { EtcdBackupSchedule } from "./EtcdBackupSchedule";
import { lbPoolSpecOf } from "../core/cilium/lb-pool";
import { etcdBackupSpecOf } from "../core/day2/etcd-backup";
import type { Plan } from "../core/plan/types";

export function kubernetesAddOns(plan: Plan, kubernetesProvider: k8s.Provider) {
  const lbPool = new CiliumLbPool("cilium-lb", { ...lbPoolSpecOf(plan), kubernetesProvider });
  const backup = etcdBackupSpecOf(plan);
  const etcdBackup = backup ? new EtcdBackupSchedule("etcd-backup", { ...backup, kubernetesProvider }) : undefined;
  return { lbPool, etcdBackup };
}
