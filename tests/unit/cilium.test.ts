import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { ciliumHelmValues, ciliumInlineManifest, ciliumInstallScript, ciliumJobName } from "../../core/cilium/install";
import { l2PolicyManifest, lbPoolManifest } from "../../core/cilium/lb-pool";
import { ciliumPlanFor } from "../../core/versions/cilium";
import { ciliumCrdFile } from "../helpers/judges";
import { stackPlan } from "../helpers/stacks";

function crdValidator(file: string, version: string) {
  const crd = parse(fs.readFileSync(ciliumCrdFile(file), "utf8"));
  const v = crd.spec.versions.find((x: any) => x.name === version);
  assert.ok(v, `${file} serves ${version}`);
  // strict off: Kubernetes keywords (x-kubernetes-*); formats off: Kubernetes's own (cidr, int64) are unknown to Ajv
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(v.schema.openAPIV3Schema);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe("Cilium manifests against Cilium's CRD schemas", () => {
  const plan = stackPlan("homelab");
  it("the LB pool is a valid cilium.io/v2 CiliumLoadBalancerIPPool equal to the config", () => {
    const pool = lbPoolManifest(plan);
    assert.equal(pool.apiVersion, "cilium.io/v2");
    assert.deepEqual(crdValidator("ciliumloadbalancerippools.yaml", "v2")(pool), []);
    assert.deepEqual(pool.spec.blocks, [{ start: "192.168.0.201", stop: "192.168.0.210" }]);
  });
  it("older Cilium gets the v2alpha1 pool, which its CRD also accepts", () => {
    const old = { ...plan, cilium: ciliumPlanFor("1.17.6")! };
    const pool = lbPoolManifest(old);
    assert.equal(pool.apiVersion, "cilium.io/v2alpha1");
    assert.deepEqual(crdValidator("ciliumloadbalancerippools.yaml", "v2alpha1")(pool), []);
  });
  it("the L2 announcement policy is valid and announces LB and external IPs on the node interface", () => {
    const l2 = l2PolicyManifest(plan);
    assert.deepEqual(crdValidator("ciliuml2announcementpolicies.yaml", "v2alpha1")(l2), []);
    assert.equal(l2.spec.loadBalancerIPs, true);
    assert.deepEqual(l2.spec.interfaces, ["^eth0$"]);
  });
  it("the schema judge rejects a malformed pool", () => {
    const bad = { ...lbPoolManifest(plan), spec: { blocks: "192.168.0.201-210" } };
    assert.ok(crdValidator("ciliumloadbalancerippools.yaml", "v2")(bad).length > 0);
  });
  it("refuses Cilium versions it cannot configure", () => {
    assert.equal(ciliumPlanFor("1.15.0"), undefined);
    assert.equal(ciliumPlanFor("banana"), undefined);
    assert.equal(ciliumPlanFor("1.18.4")!.lbPoolApiVersion, "cilium.io/v2");
  });
});

describe("Cilium install settings Talos needs", () => {
  const plan = stackPlan("homelab");
  const values = ciliumHelmValues(plan);
  it("replaces kube-proxy through KubePrism", () => {
    assert.equal(values.kubeProxyReplacement, "true");
    assert.equal(values.k8sServiceHost, "localhost");
    assert.equal(values.k8sServicePort, "7445");
  });
  it("uses host cgroups, drops SYS_MODULE, enables L2 announcements and external IPs", () => {
    assert.equal(values["cgroup.autoMount.enabled"], "false");
    assert.equal(values["cgroup.hostRoot"], "/sys/fs/cgroup");
    assert.ok(!values["securityContext.capabilities.ciliumAgent"].includes("SYS_MODULE"));
    assert.equal(values["l2announcements.enabled"], "true");
    assert.equal(values["externalIPs.enabled"], "true");
    assert.equal(values.devices, "eth0");
  });
  it("ships as a Talos inline manifest whose Job name carries the pinned version", () => {
    const m = ciliumInlineManifest(plan);
    const docs = parseAllDocuments(m.contents).map((d) => d.toJSON());
    const job = docs.find((d) => d.kind === "Job");
    assert.match(job.metadata.name, /^cilium-install-1-18-4-[0-9a-f]{8}$/);
    assert.match(job.spec.template.spec.containers[0].command[2], /--version 1\.18\.4/);
    assert.deepEqual(job.spec.template.spec.tolerations, [{ operator: "Exists" }]);
  });
});

describe("Cilium install Job under Talos's manifest rules (create if missing, never update, never delete)", () => {
  const plan = stackPlan("homelab");
  const jobOf = (p: typeof plan) =>
    parseAllDocuments(ciliumInlineManifest(p).contents)
      .map((d) => d.toJSON())
      .find((d) => d.kind === "Job");
  it("any change of version or values is a new Job name, the same plan the same name", () => {
    assert.equal(ciliumJobName(stackPlan("homelab")), ciliumJobName(plan));
    const names = new Set([
      ciliumJobName(plan),
      ciliumJobName({ ...plan, cilium: ciliumPlanFor("1.18.5")! }),
      ciliumJobName({ ...plan, kubePrismPort: 7446 }),
      ciliumJobName({ ...plan, network: { ...plan.network, interface: "ens18" } }),
      ciliumJobName(plan, "quay.io/cilium/cilium-cli-ci:v0.18.8"),
    ]);
    assert.equal(names.size, 5);
  });
  it("a valid Job: DNS-1123 name within 63 characters, its own selector matching its pod labels", () => {
    const job = jobOf(plan);
    assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    assert.equal(job.spec.manualSelector, true);
    const template = job.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(job.spec.selector.matchLabels)) assert.equal(template[k], v, k);
    assert.equal(template["homelab.dev/job"], job.metadata.name, "unique per Job, so no Job adopts another's pods");
  });
  it("finished Jobs are kept, so a control plane on the old config cannot re-create and re-run an old one", () => {
    assert.equal(jobOf(plan).spec.ttlSecondsAfterFinished, undefined);
  });
  it("runs in an image that has a shell and kubectl", () => {
    const c = jobOf(plan).spec.template.spec.containers[0];
    assert.equal(c.command[0], "/bin/sh");
    assert.match(c.image, /^quay\.io\/cilium\/cilium-cli-ci:v\d+\.\d+\.\d+$/);
  });
});

describe("Cilium install script: install or upgrade by the Helm release records", () => {
  const plan = stackPlan("homelab");
  /**
   * Runs the script with stand-ins for kubectl (answers with the given Helm release states, or
   * fails like an unreachable API) and cilium (records its arguments).
   */
  function runScript(kubectl: { states: string[] } | "unreachable") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cilium-script-"));
    try {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      const kubectlBody =
        kubectl === "unreachable"
          ? "echo 'The connection to the server localhost:7445 was refused' >&2; exit 1"
          : `echo "$*" > ${dir}/kubectl.args\nprintf '${kubectl.states.map((s) => `${s}\\n`).join("")}'`;
      fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\n${kubectlBody}\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(bin, "cilium"), `#!/bin/sh\necho "$*" >> ${dir}/cilium.calls\n`, { mode: 0o755 });
      const r = spawnSync("/bin/sh", ["-c", ciliumInstallScript(plan)], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
      const calls = fs.existsSync(path.join(dir, "cilium.calls"))
        ? fs.readFileSync(path.join(dir, "cilium.calls"), "utf8").trim().split("\n")
        : [];
      const kubectlArgs = fs.existsSync(path.join(dir, "kubectl.args"))
        ? fs.readFileSync(path.join(dir, "kubectl.args"), "utf8").trim()
        : "";
      return { status: r.status, stderr: r.stderr, calls, kubectlArgs };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  it("asks Kubernetes for Helm's release records of cilium in kube-system", () => {
    const r = runScript({ states: [] });
    assert.match(r.kubectlArgs, /-n kube-system get secret -l owner=helm,name=cilium/);
  });
  it("installs when no release exists", () => {
    const r = runScript({ states: [] });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.calls.length, 1);
    assert.match(r.calls[0], /^install --version 1\.18\.4 /);
  });
  it("upgrades a deployed release, with exactly the planned values", () => {
    for (const states of [["deployed"], ["superseded", "superseded", "deployed"], ["deployed", "failed"]]) {
      const r = runScript({ states });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.calls.length, 1, states.join());
      assert.match(r.calls[0], /^upgrade --reset-values --version 1\.18\.4 .*--set kubeProxyReplacement=true/, states.join());
    }
  });
  it("fails without touching Cilium when the API is unreachable (the Job retries)", () => {
    const r = runScript("unreachable");
    assert.notEqual(r.status, 0);
    assert.deepEqual(r.calls, []);
  });
  it("stops with the commands to look at when the release was never deployed", () => {
    for (const states of [["pending-install"], ["failed"], ["pending-upgrade", "failed"]]) {
      const r = runScript({ states });
      assert.notEqual(r.status, 0, states.join());
      assert.deepEqual(r.calls, []);
      assert.match(r.stderr, /never deployed.*\n.*kubectl -n kube-system get secret/);
    }
  });
});
