// The program's Kubernetes resources (components/CiliumLbPool.ts, components/EtcdBackupSchedule.ts) through
// the real Pulumi CLI and the real Kubernetes provider plugin against a real kube-apiserver with etcd
// (tests/helpers/kube-apiserver.ts): created, updated and deleted, each time read back from the API server
// and compared with what the stack file asks for; bad pools and schedules refused, with what the user sees.
// Nothing is skipped: a piece that is not built fails every test, naming its setup step.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { l2PolicyManifest, lbPoolManifest } from "../../core/cilium/lb-pool";
import { etcdBackupManifests } from "../../core/day2/etcd-backup";
import { type KubeControlPlane, kubeControlPlaneMissing, startKubeControlPlane } from "../helpers/kube-apiserver";
import { kubernetesEngineMissing, type KubernetesProject, kubernetesPluginBuild, kubernetesProject } from "../helpers/kubernetes-engine";
import { PROJECT_DIR, referenceStackConfig, stackPlan } from "../helpers/stacks";
import { removeProject } from "./engine";

const STACK = "homelab";
const BACKUP = { schedule: "17 3 * * *", keep: 7, sizeGi: 5 };
/** the reference homelab stack with scheduled etcd backups on, as a user turns them on */
const base = () => ({ ...referenceStackConfig(STACK), "homelab:etcdBackup": BACKUP });
/** the plan the stack file asks for (the same config through the same planner) */
const planOf = (config: Record<string, any>) =>
  stackPlan(STACK, (c) => {
    for (const k of Object.keys(c)) delete c[k];
    for (const [k, v] of Object.entries(config)) c[k.replace(/^homelab:/, "")] = structuredClone(v);
  });

const POOLS = "/apis/cilium.io/v2/ciliumloadbalancerippools";
const L2 = "/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies";
const NS = "/api/v1/namespaces/kube-system";
const CRONJOBS = "/apis/batch/v1/namespaces/kube-system/cronjobs";
const PVCS = `${NS}/persistentvolumeclaims`;
const TALOS_SAS = "/apis/talos.dev/v1alpha1/namespaces/kube-system/serviceaccounts";

let cp: KubeControlPlane | undefined;
let project: KubernetesProject | undefined;

function up(): { status: number | null; output: string } {
  return project!.pulumi(["up", "--stack", STACK, "--yes", "--skip-preview"]);
}
async function get(p: string) {
  const r = await cp!.admin.get(p);
  assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text}`);
  return r.body;
}
/** the server-side-apply managers of an object and how they wrote it */
const managers = (o: any) => (o.metadata.managedFields ?? []).map((f: any) => `${f.manager}:${f.operation}`);

describe("real Kubernetes: the program's resources through the real provider and API server", () => {
  before(async () => {
    const missing = [...kubeControlPlaneMissing(), ...kubernetesEngineMissing()];
    if (missing.length > 0) return;
    cp = await startKubeControlPlane({ talosServiceAccountCrd: true });
    // a default StorageClass that binds on first use, as a cluster's local-path or Ceph CSI class would
    // be set up; without any default class the etcd-backup PVC never leaves Pending (see the test below)
    const sc = await cp.admin.request("POST", "/apis/storage.k8s.io/v1/storageclasses", {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "test-local", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "test.homelab/local",
      volumeBindingMode: "WaitForFirstConsumer",
    });
    assert.equal(sc.status, 201, sc.text);
    project = kubernetesProject(cp.admin.kubeconfig);
    project.writeStack(STACK, base());
    const init = project.run(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
    assert.equal(init.status, 0, init.stdout + init.stderr);
  });
  after(async () => {
    if (project) removeProject(project);
    await cp?.stop();
  });

  it("has everything it needs built: the real provider (marked with its commit), kube-apiserver, etcd", () => {
    assert.deepEqual([...kubeControlPlaneMissing(), ...kubernetesEngineMissing()], []);
    const build = kubernetesPluginBuild();
    assert.match(build["built-from"], /^github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4@v4\.0\.0-\d{14}-[0-9a-f]{12}$/);
    assert.match(build.note, /not the published/);
  });

  it("index.ts makes the same Kubernetes provider and the same add-on call (components/kubernetes-add-ons.ts) as the program under test", () => {
    const index = fs.readFileSync(path.join(PROJECT_DIR, "index.ts"), "utf8");
    assert.match(index, /new k8s\.Provider\("cluster", \{\s*kubeconfig: [^\n]+,\s*enableServerSideApply: true,\s*\}\);/);
    assert.match(index, /\n\s*kubernetesAddOns\(plan, kubernetesProvider\);/);
    // the same function, no second copy of what it creates
    assert.doesNotMatch(index, /new (CiliumLbPool|EtcdBackupSchedule)\(/);
  });

  it("creates the pool, the L2 policy and the etcd backup; the API server holds what the stack file asks for", async () => {
    assert.ok(cp && project, "the control plane did not start");
    const r = up();
    assert.equal(r.status, 0, r.output);
    const plan = planOf(base());
    const pool = await get(`${POOLS}/${lbPoolManifest(plan).metadata.name}`);
    assert.deepEqual(pool.spec.blocks, [{ start: "192.168.0.201", stop: "192.168.0.210" }]);
    assert.deepEqual(pool.spec.blocks, lbPoolManifest(plan).spec.blocks);
    // the CRD's default, filled in by the API server
    assert.equal(pool.spec.disabled, false);
    assert.ok(
      managers(pool).some((m: string) => /^pulumi-kubernetes-[0-9a-f]+:Apply$/.test(m)),
      `server-side apply: ${managers(pool)}`,
    );
    const l2 = await get(`${L2}/${l2PolicyManifest(plan).metadata.name}`);
    assert.deepEqual(l2.spec, l2PolicyManifest(plan).spec);

    const m = etcdBackupManifests(plan)!;
    const cron = await get(`${CRONJOBS}/etcd-backup`);
    assert.equal(cron.spec.schedule, BACKUP.schedule);
    assert.equal(cron.spec.concurrencyPolicy, "Forbid");
    const want = m.cronJob.spec.jobTemplate.spec.template.spec;
    const got = cron.spec.jobTemplate.spec.template.spec;
    assert.deepEqual(
      got.initContainers.map((c: any) => [c.name, c.image, c.args]),
      want.initContainers.map((c: any) => [c.name, c.image, c.args]),
    );
    assert.deepEqual(
      got.containers.map((c: any) => [c.name, c.image, c.command]),
      want.containers.map((c: any) => [c.name, c.image, c.command]),
    );
    // the API server fills in a secret volume's file mode (0644) where the manifest leaves it out
    assert.deepEqual(
      got.volumes,
      want.volumes.map((v: any) => (v.secret ? { ...v, secret: { defaultMode: 0o644, ...v.secret } } : v)),
    );
    const pvc = await get(`${PVCS}/etcd-backup`);
    assert.equal(pvc.spec.resources.requests.storage, "5Gi");
    assert.equal(pvc.spec.storageClassName, "test-local", "the DefaultStorageClass admission fills in the cluster's default class");
    assert.equal(pvc.status.phase, "Pending", "WaitForFirstConsumer: bound only when a backup Job's pod uses it");
    const sa = await get(`${TALOS_SAS}/etcd-backup`);
    assert.deepEqual(sa.spec, { roles: ["os:etcd:backup"] });
  });

  it("a pool range change is an in-place update of the same object", async () => {
    assert.ok(cp && project, "the control plane did not start");
    const before = await get(`${POOLS}/homelab-pool`);
    const config = { ...base(), "homelab:lbPool": { start: "192.168.0.220", stop: "192.168.0.230" } };
    project.writeStack(STACK, config);
    const preview = project.pulumi(["preview", "--stack", STACK, "--diff"]);
    assert.equal(preview.status, 0, preview.output);
    assert.match(preview.output, /~ kubernetes:cilium\.io\/v2:CiliumLoadBalancerIPPool/, preview.output);
    assert.doesNotMatch(preview.output, /\+- kubernetes:cilium\.io/, "not a replacement");
    const r = up();
    assert.equal(r.status, 0, r.output);
    const after = await get(`${POOLS}/homelab-pool`);
    assert.deepEqual(after.spec.blocks, lbPoolManifest(planOf(config)).spec.blocks);
    assert.deepEqual(after.spec.blocks, [{ start: "192.168.0.220", stop: "192.168.0.230" }]);
    assert.equal(after.metadata.uid, before.metadata.uid, "patched, not replaced");
    assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
    // a second `up` with nothing changed changes nothing
    const again = up();
    assert.equal(again.status, 0, again.output);
    assert.equal((await get(`${POOLS}/homelab-pool`)).metadata.resourceVersion, after.metadata.resourceVersion);
  });

  it("a pool whose stop is before its start is refused before the API server is asked, which would have taken it", async () => {
    assert.ok(cp && project, "the control plane did not start");
    const before = await get(`${POOLS}/homelab-pool`);
    project.writeStack(STACK, { ...base(), "homelab:lbPool": { start: "192.168.0.230", stop: "192.168.0.220" } });
    const r = up();
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /lbPool.*pool start 192\.168\.0\.230 is after stop 192\.168\.0\.220/, r.output);
    assert.match(r.output, /swap them/);
    assert.equal((await get(`${POOLS}/homelab-pool`)).metadata.resourceVersion, before.metadata.resourceVersion, "the pool is untouched");
    // Cilium's CRD has no rule for the order: the API server alone would store such a pool
    const dry = await cp.admin.request("POST", `${POOLS}?dryRun=All`, {
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      metadata: { name: "reversed" },
      spec: { blocks: [{ start: "192.168.0.230", stop: "192.168.0.220" }] },
    });
    assert.equal(dry.status, 201, `the API server accepts a reversed block (our check is the only guard): ${dry.text}`);
  });

  it("a pool over a node address is refused with the node named", async () => {
    assert.ok(cp && project, "the control plane did not start");
    project.writeStack(STACK, { ...base(), "homelab:lbPool": { start: "192.168.0.10", stop: "192.168.0.12" } });
    const r = up();
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /LB pool 192\.168\.0\.10-192\.168\.0\.12 contains node IP 192\.168\.0\.11 of [^\n]*talos-cp-01/, r.output);
    assert.deepEqual((await get(`${POOLS}/homelab-pool`)).spec.blocks, [{ start: "192.168.0.220", stop: "192.168.0.230" }]);
  });

  it("a pool block that is not an address range is refused by the API server itself (Cilium's CRD schema)", async () => {
    assert.ok(cp, "the control plane did not start");
    const dry = await cp.admin.request("POST", `${POOLS}?dryRun=All`, {
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      metadata: { name: "bad-cidr" },
      spec: { blocks: [{ cidr: "192.168.0.300/24" }] },
    });
    assert.equal(dry.status, 422, dry.text);
    assert.match(dry.body.message, /spec\.blocks\[0\]\.cidr/);
  });

  it("destroys everything it created: foreground deletion completes, the PVC's protection is lifted", async () => {
    assert.ok(cp && project, "the control plane did not start");
    project.writeStack(STACK, { ...base(), "homelab:lbPool": { start: "192.168.0.220", stop: "192.168.0.230" } });
    const r = project.pulumi(["destroy", "--stack", STACK, "--yes", "--skip-preview"]);
    assert.equal(r.status, 0, r.output);
    for (const p of [
      `${POOLS}/homelab-pool`,
      `${L2}/homelab-l2`,
      `${CRONJOBS}/etcd-backup`,
      `${PVCS}/etcd-backup`,
      `${TALOS_SAS}/etcd-backup`,
    ]) {
      const g = await cp.admin.get(p);
      assert.equal(g.status, 404, `${p} is still there: ${g.text.slice(0, 400)}`);
    }
  });
});
