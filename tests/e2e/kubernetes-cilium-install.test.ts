// The Cilium install Job that Talos applies from the control planes' inline manifest
// (core/cilium/install.ts), against a real API server (tests/helpers/kube-apiserver.ts): its objects are
// accepted, its explicit selector survives the full update `talosctl upgrade-k8s` sends (a generated one
// does not), and its script, run with the real kubectl under the Job's own service account, reads Helm's
// release records from real Secrets and decides install, upgrade or stop. `cilium` is a stand-in that only
// records its arguments: the real CLI would install into a dataplane, which no test here has. The
// docs' clean-up command for finished install Jobs (docs/talos.md) runs with the real kubectl too.
// Nothing is skipped: a binary that is not built fails every test, naming its setup step.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { CILIUM_NAMESPACE, ciliumInstallObjects, ciliumInstallScript, ciliumJobName } from "../../core/cilium/install";
import { type KubeControlPlane, kubeControlPlaneMissing, startKubeControlPlane } from "../helpers/kube-apiserver";
import { allDocs } from "../helpers/docs";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";

const KUBECTL = path.join(PROJECT_DIR, ".toolchain", "bin", "kubectl");
const DOCS = allDocs();
const plan = stackPlan("homelab");
const NS = `/api/v1/namespaces/${CILIUM_NAMESPACE}`;
const JOBS = `/apis/batch/v1/namespaces/${CILIUM_NAMESPACE}/jobs`;
let cp: KubeControlPlane | undefined;
let saKubeconfig = "";

function missing(): string[] {
  return [
    ...kubeControlPlaneMissing(),
    ...(fs.existsSync(KUBECTL)
      ? []
      : ["kubectl is not built (.toolchain/bin/kubectl): run tools/setup-tests.sh (it calls tools/toolchain/build-kube-apiserver.sh)"]),
  ];
}

/** A Helm release record as Helm stores it (the labels are what the script reads). */
async function helmRecord(version: number, status: string) {
  const r = await cp!.admin.request("POST", `${NS}/secrets`, {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: {
      name: `sh.helm.release.v1.cilium.v${version}`,
      labels: { owner: "helm", name: "cilium", status, version: String(version) },
    },
    data: { release: Buffer.from("H4sIAAAAAAAA").toString("base64") },
  });
  assert.equal(r.status, 201, r.text);
}
async function clearHelmRecords() {
  const r = await cp!.admin.request("DELETE", `${NS}/secrets?labelSelector=${encodeURIComponent("owner=helm,name=cilium")}`);
  assert.equal(r.status, 200, r.text);
}

/** Runs the Job's command as the pod would: /bin/sh -c, kubectl with the Job's service account, `cilium` a recorder. */
function runScript() {
  const dir = tempDir("cilium-install");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.symlinkSync(KUBECTL, path.join(bin, "kubectl"));
  const log = path.join(dir, "cilium.log");
  fs.writeFileSync(path.join(bin, "cilium"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\n`, { mode: 0o755 });
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, saKubeconfig, { mode: 0o600 });
  const r = spawnSync("/bin/sh", ["-c", ciliumInstallScript(plan)], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, KUBECONFIG: kubeconfig },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, out: r.stdout + r.stderr, calls };
}

describe("real Kubernetes: the Cilium install Job and its script", () => {
  before(async () => {
    if (missing().length > 0) return;
    cp = await startKubeControlPlane();
  });
  after(async () => {
    await cp?.stop();
  });

  it("has everything it needs built", () => {
    assert.deepEqual(missing(), []);
  });

  it("the inline manifest's objects are created as Talos creates them (ServiceAccount, cluster-admin binding, Job)", async () => {
    assert.ok(cp, "the control plane did not start");
    for (const o of ciliumInstallObjects(plan) as any[]) {
      const base =
        o.kind === "ServiceAccount"
          ? `${NS}/serviceaccounts`
          : o.kind === "Job"
            ? JOBS
            : "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
      const r = await cp.admin.request("POST", `${base}?fieldValidation=Strict`, o);
      assert.equal(r.status, 201, `${o.kind}: ${r.text}`);
    }
    // the Job's own identity, as its pod gets it: a token for the ServiceAccount from the TokenRequest API
    const t = await cp.admin.request("POST", `${NS}/serviceaccounts/cilium-install/token`, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    });
    assert.equal(t.status, 201, t.text);
    const admin = parseYaml(cp.admin.kubeconfig);
    admin.users = [{ name: "cilium-install", user: { token: t.body.status.token } }];
    admin.contexts = [{ name: "sa", context: { cluster: admin.clusters[0].name, user: "cilium-install" } }];
    admin["current-context"] = "sa";
    saKubeconfig = stringifyYaml(admin);
  });

  it("a full update of the Job (what `talosctl upgrade-k8s` sends) is accepted with the explicit selector; with a generated one it is refused", async () => {
    assert.ok(cp, "the control plane did not start");
    const job = (ciliumInstallObjects(plan) as any[]).find((o) => o.kind === "Job");
    const put = await cp.admin.request("PUT", `${JOBS}/${job.metadata.name}`, job);
    assert.equal(put.status, 200, put.text);
    // negative control: the same Job without manualSelector and selector gets a generated selector on
    // create, which the re-sent manifest lacks
    const plain = structuredClone(job);
    plain.metadata.name = "cilium-install-generated-selector";
    delete plain.spec.manualSelector;
    delete plain.spec.selector;
    assert.equal((await cp.admin.request("POST", JOBS, plain)).status, 201);
    const again = await cp.admin.request("PUT", `${JOBS}/${plain.metadata.name}`, plain);
    assert.equal(again.status, 422, again.text);
    assert.match(again.body.message, /spec\.selector/);
    assert.equal((await cp.admin.request("DELETE", `${JOBS}/${plain.metadata.name}?propagationPolicy=Background`)).status, 200);
  });

  it("no Helm release: the script installs", async () => {
    assert.ok(cp && saKubeconfig, "the control plane did not start");
    await clearHelmRecords();
    const r = runScript();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no Helm release cilium: installing 1\.18\.4/);
    assert.equal(r.calls.length, 1);
    assert.match(r.calls[0], /^install --version 1\.18\.4 --set ipam\.mode=kubernetes/);
  });

  it("a deployed release (older ones superseded): the script upgrades with exactly our values", async () => {
    assert.ok(cp && saKubeconfig, "the control plane did not start");
    await clearHelmRecords();
    await helmRecord(1, "superseded");
    await helmRecord(2, "deployed");
    const r = runScript();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Helm release cilium is deployed: upgrading to 1\.18\.4/);
    assert.equal(r.calls.length, 1);
    assert.match(r.calls[0], /^upgrade --reset-values --version 1\.18\.4 /);
  });

  it("a failed upgrade on top of a deployed release still upgrades (Helm keeps the deployed one)", async () => {
    assert.ok(cp && saKubeconfig, "the control plane did not start");
    await clearHelmRecords();
    await helmRecord(1, "deployed");
    await helmRecord(2, "failed");
    const r = runScript();
    assert.equal(r.status, 0, r.out);
    assert.match(r.calls[0] ?? "", /^upgrade /);
  });

  it("a release that was never deployed (failed install, interrupted upgrade) stops the script with the command to look", async () => {
    assert.ok(cp && saKubeconfig, "the control plane did not start");
    for (const states of [["failed"], ["superseded", "pending-upgrade"]]) {
      await clearHelmRecords();
      for (const [i, s] of states.entries()) await helmRecord(i + 1, s);
      const r = runScript();
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, new RegExp(`exists but was never deployed \\(states: ${states.join(" ")}\\)`));
      assert.match(r.out, /kubectl -n kube-system get secret -l owner=helm,name=cilium/);
      assert.deepEqual(r.calls, [], "cilium is not run");
    }
  });

  it("an API server that refuses the read fails the script (no guess of 'not installed')", async () => {
    assert.ok(cp, "the control plane did not start");
    const nobody = await cp.clientFor("homelab:test-nobody");
    const saved = saKubeconfig;
    saKubeconfig = nobody.kubeconfig;
    try {
      const r = runScript();
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /forbidden/i);
      assert.deepEqual(r.calls, []);
    } finally {
      saKubeconfig = saved;
    }
  });

  it("the docs' clean-up of finished install Jobs, run with the real kubectl, deletes the succeeded one only", async () => {
    assert.ok(cp, "the control plane did not start");
    const cmd = /`(kubectl -n kube-system delete job -l app\.kubernetes\.io\/name=cilium-install [^`]*)`/.exec(DOCS)?.[1];
    assert.ok(cmd, "the docs name the clean-up command");
    const job = (ciliumInstallObjects(plan) as any[]).find((o) => o.kind === "Job");
    const current = job.metadata.name;
    // an older install Job that finished: its status as the Job controller would have written it
    const old = structuredClone(job);
    old.metadata.name = "cilium-install-1-18-3-0000abcd";
    old.metadata.labels["homelab.dev/job"] = old.metadata.name;
    old.spec.selector.matchLabels["homelab.dev/job"] = old.metadata.name;
    old.spec.template.metadata.labels["homelab.dev/job"] = old.metadata.name;
    assert.equal((await cp.admin.request("POST", JOBS, old)).status, 201);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const st = await cp.admin.request(
      "PATCH",
      `${JOBS}/${old.metadata.name}/status`,
      {
        status: {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          conditions: [
            { type: "SuccessCriteriaMet", status: "True", lastProbeTime: now, lastTransitionTime: now },
            { type: "Complete", status: "True", lastProbeTime: now, lastTransitionTime: now },
          ],
        },
      },
      "application/merge-patch+json",
    );
    assert.equal(st.status, 200, st.text);
    const dir = tempDir("readme-kubectl");
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, cp.admin.kubeconfig, { mode: 0o600 });
    const args = cmd.split(/\s+/).slice(1);
    const r = spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`job\\.batch "${old.metadata.name}" deleted`));
    assert.equal((await cp.admin.get(`${JOBS}/${old.metadata.name}`)).status, 404);
    assert.equal((await cp.admin.get(`${JOBS}/${current}`)).status, 200, "the current, unfinished Job stays");
    assert.equal(current, ciliumJobName(plan));
  });
});
