import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { ciliumHelmValues, ciliumInlineManifest } from "../../core/cilium/install";
import { l2PolicyManifest, lbPoolManifest } from "../../core/cilium/lb-pool";
import { ciliumPlanFor } from "../../core/plan/build-plan";
import { SHARED_DIR, stackPlan } from "../helpers/stacks";

function crdValidator(file: string, version: string) {
  const crd = parse(fs.readFileSync(path.join(SHARED_DIR, "reference", "cilium", file), "utf8"));
  const v = crd.spec.versions.find((x: any) => x.name === version);
  assert.ok(v, `${file} serves ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(v.schema.openAPIV3Schema);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe("Cilium manifests against Cilium's CRD schemas", () => {
  const plan = stackPlan("homelab");
  it("the LB pool is a valid cilium.io/v2 CiliumLoadBalancerIPPool equal to the config", () => {
    const pool = lbPoolManifest(plan);
    assert.equal(pool.apiVersion, "cilium.io/v2");
    assert.deepEqual(crdValidator("ciliumloadbalancerippools.crd.yaml", "v2")(pool), []);
    assert.deepEqual(pool.spec.blocks, [{ start: "192.168.0.201", stop: "192.168.0.210" }]);
  });
  it("older Cilium gets the v2alpha1 pool, which its CRD also accepts", () => {
    const old = { ...plan, cilium: ciliumPlanFor("1.17.6")! };
    const pool = lbPoolManifest(old);
    assert.equal(pool.apiVersion, "cilium.io/v2alpha1");
    assert.deepEqual(crdValidator("ciliumloadbalancerippools.crd.yaml", "v2alpha1")(pool), []);
  });
  it("the L2 announcement policy is valid and announces LB and external IPs on the node interface", () => {
    const l2 = l2PolicyManifest(plan);
    assert.deepEqual(crdValidator("ciliuml2announcementpolicies.crd.yaml", "v2alpha1")(l2), []);
    assert.equal(l2.spec.loadBalancerIPs, true);
    assert.deepEqual(l2.spec.interfaces, ["^eth0$"]);
  });
  it("the schema judge rejects a malformed pool", () => {
    const bad = { ...lbPoolManifest(plan), spec: { blocks: "192.168.0.201-210" } };
    assert.ok(crdValidator("ciliumloadbalancerippools.crd.yaml", "v2")(bad).length > 0);
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
    assert.equal(job.metadata.name, "cilium-install-1-18-4");
    assert.match(job.spec.template.spec.containers[0].command[2], /--version 1\.18\.4/);
    assert.deepEqual(job.spec.template.spec.tolerations, [{ operator: "Exists" }]);
  });
});
