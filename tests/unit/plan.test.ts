import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../core/plan/build-plan";
import { problemsOf, stackInputs, stackPlan } from "../helpers/stacks";

const keys = (ps: { key: string }[]) => ps.map((p) => p.key);

describe("homelab reference plan", () => {
  const plan = stackPlan("homelab");
  it("has 3 control planes and 4 workers with the reference names and IPs", () => {
    assert.deepEqual(plan.controlPlanes.map((n) => [n.name, n.ip]), [["talos-cp-01", "192.168.0.11"], ["talos-cp-02", "192.168.0.12"], ["talos-cp-03", "192.168.0.13"]]);
    assert.deepEqual(plan.workers.map((n) => [n.name, n.ip]), [["talos-wrk-01", "192.168.0.14"], ["talos-wrk-02", "192.168.0.15"], ["talos-wrk-03", "192.168.0.16"], ["talos-wrk-04", "192.168.0.17"]]);
  });
  it("sizes nodes as the reference plan says", () => {
    assert.deepEqual(plan.controlPlanes.map((n) => [n.cpu, n.memoryGiB, n.osDiskGB]), [[4, 8, 50], [4, 8, 50], [4, 8, 50]]);
    assert.deepEqual(plan.workers.map((n) => [n.cpu, n.memoryGiB, n.dataDisksGB]), [[8, 32, [500]], [8, 32, [500]], [8, 16, [250]], [8, 16, [250]]]);
  });
  it("gives workers a data disk separate from the OS disk", () => {
    for (const w of plan.workers) assert.deepEqual(w.disks.map((d) => [d.slot, d.purpose]), [["scsi0", "os"], ["scsi1", "data"]]);
    for (const c of plan.controlPlanes) assert.deepEqual(c.disks.map((d) => d.purpose), ["os"]);
  });
  it("uses the VIP endpoint and control-plane IPs for talosconfig", () => {
    assert.equal(plan.endpoint.url, "https://192.168.0.200:6443");
    assert.deepEqual(plan.talosEndpoints, ["192.168.0.11", "192.168.0.12", "192.168.0.13"]);
    assert.equal(plan.bootstrapNode.name, "talos-cp-01");
  });
  it("starts control planes before workers", () => {
    assert.ok(Math.max(...plan.controlPlanes.map((n) => n.startupOrder)) < Math.min(...plan.workers.map((n) => n.startupOrder)));
  });
  it("carries networks, versions and the Cilium API version", () => {
    assert.equal(plan.network.podCidr, "10.20.0.0/16");
    assert.equal(plan.network.serviceCidr, "10.96.0.0/12");
    assert.deepEqual(plan.lbPool, { start: "192.168.0.201", stop: "192.168.0.210" });
    assert.equal(plan.talosMinor, "1.11");
    assert.match(plan.kubernetesVersion, /^v1\.34\./);
    assert.equal(plan.cilium.lbPoolApiVersion, "cilium.io/v2");
    assert.equal(plan.kubePrismPort, 7445);
  });
});

describe("small lab stack", () => {
  it("plans with one control plane because its policy config allows it", () => {
    const plan = stackPlan("lab");
    assert.equal(plan.controlPlanes.length, 1);
    assert.equal(plan.endpoint.mode, "kubeprism");
    assert.equal(plan.endpoint.url, "https://10.10.10.11:6443");
    assert.equal(plan.nodes[0].host, "pve-lab", "the only host is the default");
  });
  it("is refused under the homelab policy config", () => {
    const inputs = stackInputs("lab", { policyConfig: stackInputs("homelab").policyConfig });
    const r = buildPlan(inputs);
    assert.equal(r.ok, false);
  });
});

describe("bad input: every problem at once, each with its key and a fix", () => {
  it("reports malformed IPs, CIDRs and versions together", () => {
    const ps = problemsOf((c) => {
      c.network.subnet = "192.168.0.0/33";
      c.network.gateway = "192.168.0";
      c.nodes[0].ip = "192.168.0.300";
      c.versions.talos = "latest";
      c.network.podCidr = "10.20.0.0";
    });
    for (const k of ["homelab:network.subnet", "homelab:network.gateway", "homelab:nodes[0].ip", "homelab:versions.talos", "homelab:network.podCidr"]) {
      assert.ok(keys(ps).includes(k), `missing ${k} in ${keys(ps)}`);
    }
    for (const p of ps) assert.ok(p.fix.length > 5, `no fix for ${p.key}`);
  });
  it("rejects a node IP outside the subnet, or equal to gateway, VIP, network or broadcast address", () => {
    for (const [ip, word] of [["10.0.0.5", "outside"], ["192.168.0.1", "gateway"], ["192.168.0.200", "VIP"], ["192.168.0.0", "network"], ["192.168.0.255", "broadcast"]]) {
      const ps = problemsOf((c) => { c.nodes[4].ip = ip; });
      assert.ok(ps.some((p) => p.key === "homelab:nodes[4].ip" && p.message.includes(word)), `${ip}: ${JSON.stringify(ps)}`);
    }
  });
  it("rejects duplicate names, IPs, VM IDs and MACs", () => {
    const ps = problemsOf((c) => {
      c.nodes[1].name = "talos-cp-01";
      c.nodes[2].ip = "192.168.0.11";
      c.nodes[3].vmId = 1011;
      c.nodes[4].mac = "BC:24:11:00:00:01";
      c.nodes[5].mac = "bc:24:11:00:00:01";
    });
    const text = ps.map((p) => `${p.key} ${p.message}`).join("\n");
    assert.match(text, /hostname talos-cp-01/);
    assert.match(text, /node IP 192\.168\.0\.11/);
    assert.match(text, /VM ID 1011/);
    assert.match(text, /nodes\[5\]\.mac MAC/);
  });
  it("rejects a node on an undeclared Proxmox host and a cluster without control plane", () => {
    const ps = problemsOf((c) => {
      c.nodes[0].host = "pve9";
      for (const n of c.nodes) n.role = "worker";
    });
    assert.ok(ps.some((p) => p.key === "homelab:nodes[0].host" && p.fix.includes("pve1")));
    assert.ok(ps.some((p) => p.key === "homelab:nodes" && /no control plane/.test(p.message)));
  });
  it("names the secret key and environment variables when Proxmox credentials are missing", () => {
    const ps = problemsOf(() => {}, "homelab", { secretsPresent: { proxmoxApiToken: false, haproxySshPrivateKey: false } });
    const p = ps.find((x) => x.key === "homelab:proxmoxApiToken");
    assert.ok(p);
    assert.match(p!.fix, /pulumi config set --secret homelab:proxmoxApiToken/);
    assert.match(p!.fix, /PROXMOX_VE_API_TOKEN/);
  });
  it("accepts credentials from the environment instead", () => {
    const r = buildPlan(stackInputs("homelab", { secretsPresent: { proxmoxApiToken: false, haproxySshPrivateKey: false }, env: { PROXMOX_VE_API_TOKEN: true } }));
    assert.equal(r.ok, true);
  });
  it("rejects a missing Proxmox endpoint", () => {
    const ps = problemsOf((c) => { delete c.proxmox.endpoint; });
    assert.ok(ps.some((p) => p.key === "homelab:proxmox.endpoint" && p.fix.includes("PROXMOX_VE_ENDPOINT")));
  });
  it("reports missing and mistyped keys by path", () => {
    const ps = problemsOf((c) => { delete c.network.gateway; c.nodes[2].cpu = "four"; });
    assert.ok(keys(ps).includes("homelab:network.gateway"));
    assert.ok(keys(ps).includes("homelab:nodes[2].cpu"));
  });
  it("rejects versions outside the supported range", () => {
    const ps = problemsOf((c) => { c.versions.talos = "v1.9.0"; c.versions.cilium = "1.14.0"; });
    assert.ok(ps.some((p) => p.key === "homelab:versions.talos" && p.fix.includes("1.11")));
    assert.ok(ps.some((p) => p.key === "homelab:versions.cilium"));
  });
});
