// The real kube-apiserver (tests/helpers/kube-apiserver.ts) as a judge without the engine: the control
// plane is what it claims (the pinned release, client-certificate authentication, RBAC), Talos's own
// ServiceAccount CRD and Cilium's CRDs take the program's manifests, and our pre-deploy check of the
// etcd-backup schedule (core/day2/cron.ts) agrees with the API server on every schedule below.
// Nothing is skipped: a binary that is not built fails every test, naming its setup step.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { l2PolicyManifest, lbPoolManifest } from "../../core/cilium/lb-pool";
import { cronScheduleProblem } from "../../core/day2/cron";
import { etcdBackupManifests } from "../../core/day2/etcd-backup";
import { HEALTH_CHECK_USER, issueHealthCheckCert } from "../../core/haproxy/health-check-cert";
import {
  type KubeControlPlane,
  kubeApiServerVersion,
  kubeControlPlaneMissing,
  startKubeControlPlane,
  TALOS_SA_CRD,
} from "../helpers/kube-apiserver";
import { SCHEDULES } from "../helpers/cron-schedules";
import { PROJECT_DIR, problemsOf, stackPlan } from "../helpers/stacks";

const PINNED =
  /^KUBE_APISERVER_VERSION=(\S+)/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "tools", "versions.env"), "utf8"))?.[1] ?? "v1.34.4";
let cp: KubeControlPlane | undefined;

function anonymousGet(server: string, caCert: string, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(new URL(p, server), { ca: caCert }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("real kube-apiserver: the control plane and what it judges", () => {
  before(async () => {
    if (kubeControlPlaneMissing().length > 0) return;
    cp = await startKubeControlPlane({ talosServiceAccountCrd: true });
  });
  after(async () => {
    await cp?.stop();
  });

  it("has everything it needs built", () => {
    assert.deepEqual(kubeControlPlaneMissing(), []);
    assert.ok(fs.existsSync(TALOS_SA_CRD), `Talos's ServiceAccount CRD: run tools/toolchain/fetch-talos-crds.sh (tools/setup-tests.sh)`);
  });

  it("runs the pinned release; anonymous requests are refused, a user without groups may read /version only", async () => {
    assert.ok(cp, "the control plane did not start");
    assert.equal(kubeApiServerVersion(), PINNED);
    const v = await cp.admin.get("/version");
    assert.equal(v.body.gitVersion, PINNED);
    assert.equal(await anonymousGet(cp.server, cp.caCert, "/version"), 401);
    const nobody = await cp.clientFor("homelab:test-nobody");
    assert.equal((await nobody.get("/version")).status, 200, "system:public-info-viewer lets every authenticated user read /version");
    const denied = await nobody.get("/apis/cilium.io/v2/ciliumloadbalancerippools");
    assert.equal(denied.status, 403, denied.text);
    assert.match(denied.body.message, /User "homelab:test-nobody" cannot list resource "ciliumloadbalancerippools"/);
  });

  it("HAProxy's health-check certificate reads /readyz and nothing else (RBAC of a user with no groups)", async () => {
    assert.ok(cp, "the control plane did not start");
    const cert = await issueHealthCheckCert(cp.ca);
    const check = cp.withCertificate(cert, HEALTH_CHECK_USER);
    for (const p of ["/readyz", "/livez", "/healthz", "/version"]) assert.equal((await check.get(p)).status, 200, p);
    for (const p of ["/api/v1/namespaces", "/api/v1/secrets", "/apis/cilium.io/v2/ciliumloadbalancerippools"]) {
      const r = await check.get(p);
      assert.equal(r.status, 403, `${p}: ${r.text}`);
      assert.match(r.body.message, new RegExp(`User "${HEALTH_CHECK_USER}" cannot list`));
    }
  });

  it("takes the program's pool, L2 policy and etcd-backup manifests (server-side dry run, every CRD schema and admission)", async () => {
    assert.ok(cp, "the control plane did not start");
    const plan = stackPlan("homelab", (c) => {
      c.etcdBackup = { schedule: "17 3 * * *" };
    });
    const m = etcdBackupManifests(plan)!;
    const docs: Array<[string, object]> = [
      ["/apis/cilium.io/v2/ciliumloadbalancerippools", lbPoolManifest(plan)],
      ["/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies", l2PolicyManifest(plan)],
      ["/apis/talos.dev/v1alpha1/namespaces/kube-system/serviceaccounts", m.serviceAccount],
      ["/api/v1/namespaces/kube-system/persistentvolumeclaims", { apiVersion: "v1", kind: "PersistentVolumeClaim", ...m.pvc }],
      ["/apis/batch/v1/namespaces/kube-system/cronjobs", { apiVersion: "batch/v1", kind: "CronJob", ...m.cronJob }],
    ];
    for (const [p, doc] of docs) {
      const r = await cp.admin.request("POST", `${p}?dryRun=All&fieldValidation=Strict`, doc);
      assert.equal(r.status, 201, `${p}: ${r.text}`);
    }
    // Cilium 1.16/1.17 stacks use the pool's v2alpha1 version, still served by the 1.18 CRD
    const older = stackPlan("homelab", (c) => {
      c.versions.cilium = "1.17.6";
    });
    const r = await cp.admin.request(
      "POST",
      "/apis/cilium.io/v2alpha1/ciliumloadbalancerippools?dryRun=All&fieldValidation=Strict",
      lbPoolManifest(older),
    );
    assert.equal(r.status, 201, r.text);
  });

  it("an unknown field in a Talos ServiceAccount is refused by Talos's CRD under strict field validation", async () => {
    assert.ok(cp, "the control plane did not start");
    const r = await cp.admin.request(
      "POST",
      "/apis/talos.dev/v1alpha1/namespaces/kube-system/serviceaccounts?dryRun=All&fieldValidation=Strict",
      {
        apiVersion: "talos.dev/v1alpha1",
        kind: "ServiceAccount",
        metadata: { name: "x", namespace: "kube-system" },
        spec: { role: ["os:etcd:backup"] },
      },
    );
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.message, /unknown field "spec\.role"/);
  });

  it("our schedule check agrees with the API server on every schedule, and refuses before deploy what it refuses", async () => {
    assert.ok(cp, "the control plane did not start");
    const plan = stackPlan("homelab", (c) => {
      c.etcdBackup = { schedule: "17 3 * * *" };
    });
    const cron = etcdBackupManifests(plan)!.cronJob;
    const disagreements: string[] = [];
    for (const [schedule, expected] of SCHEDULES) {
      const doc: Record<string, any> = { apiVersion: "batch/v1", kind: "CronJob", ...structuredClone(cron) };
      doc.spec.schedule = schedule;
      const r = await cp.admin.request("POST", "/apis/batch/v1/namespaces/kube-system/cronjobs?dryRun=All", doc);
      const apiTakes = r.status === 201;
      if (!apiTakes) assert.equal(r.status, 422, `${JSON.stringify(schedule)}: ${r.text}`);
      if (!apiTakes) assert.match(r.body.message, /spec\.schedule/);
      const oursTakes = cronScheduleProblem(schedule) === undefined;
      if (apiTakes !== expected || oursTakes !== apiTakes) {
        disagreements.push(
          `${JSON.stringify(schedule)}: API server ${apiTakes ? "takes" : `refuses (${r.body?.message})`}, our check ${oursTakes ? "takes" : `refuses (${cronScheduleProblem(schedule)})`}, table says ${expected}`,
        );
      }
    }
    assert.deepEqual(disagreements, []);
    // what the user sees for one the API server would refuse only at deploy time
    const problems = problemsOf((c) => {
      c.etcdBackup = { schedule: "61 * * * *" };
    });
    assert.deepEqual(
      problems.map((p) => p.key),
      ["homelab:etcdBackup.schedule"],
    );
    assert.match(problems[0].message, /"61 \* \* \* \*" is not a cron schedule Kubernetes accepts: minute field "61": 61 goes above 59/);
  });
});
