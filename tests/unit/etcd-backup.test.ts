// Scheduled in-cluster etcd snapshots: off by default; when set, control planes (only) open the Talos
// API to kube-system with the etcd backup role, and the CronJob takes snapshots with it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorded, resolve } from "../helpers/mocks";
import { problemsOf, stackPlan } from "../helpers/stacks";
import { nodePatchDocuments } from "../../core/talos/patches";
import { etcdBackupManifests, etcdBackupSpecOf } from "../../core/day2/etcd-backup";

installMocks();
import * as k8s from "@pulumi/kubernetes";
import { EtcdBackupSchedule } from "../../components/EtcdBackupSchedule";

const features = (plan: ReturnType<typeof stackPlan>, i: number) =>
  (nodePatchDocuments(plan, plan.nodes[i], "s")[0].machine as any).features;

describe("scheduled etcd snapshots", () => {
  it("are off by default: no Talos API access from Kubernetes, no manifests", () => {
    const plan = stackPlan("homelab");
    assert.equal(features(plan, 0).kubernetesTalosAPIAccess, undefined);
    assert.equal(etcdBackupManifests(plan), undefined);
  });

  it("when set: control planes allow os:etcd:backup from kube-system, workers do not; the CronJob uses a control-plane IP", async () => {
    const plan = stackPlan("homelab", (c) => {
      c.etcdBackup = { schedule: "17 3 * * *", keep: 5 };
    });
    assert.deepEqual(features(plan, 0).kubernetesTalosAPIAccess, {
      enabled: true,
      allowedRoles: ["os:etcd:backup"],
      allowedKubernetesNamespaces: ["kube-system"],
    });
    assert.equal(features(plan, 3).kubernetesTalosAPIAccess, undefined);
    const start = recorded.length;
    const c = new EtcdBackupSchedule("eb", { ...etcdBackupSpecOf(plan)!, kubernetesProvider: new k8s.Provider("k", { kubeconfig: "{}" }) });
    await resolve(pulumi.output(c.cronJob.id));
    const types = recorded
      .slice(start)
      .map((r) => r.type)
      .filter((t) => t.startsWith("kubernetes:"))
      .sort();
    assert.deepEqual(types, [
      "kubernetes:batch/v1:CronJob",
      "kubernetes:core/v1:PersistentVolumeClaim",
      "kubernetes:talos.dev/v1alpha1:ServiceAccount",
    ]);
    const cron = recorded.slice(start).find((r) => r.type === "kubernetes:batch/v1:CronJob")!.inputs;
    assert.equal(cron.spec.schedule, "17 3 * * *");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    assert.deepEqual(pod.initContainers[0].args, ["-e", "192.168.0.11", "-n", "192.168.0.11", "etcd", "snapshot", "/backup/incoming.db"]);
    assert.match(pod.containers[0].command[2], /tail -n \+6/);
  });

  it("a schedule that is not cron names the key", () => {
    assert.deepEqual(
      problemsOf((c) => {
        c.etcdBackup = { schedule: "daily" };
      }).map((p) => p.key),
      ["homelab:etcdBackup.schedule"],
    );
  });
});
