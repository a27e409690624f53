// Every policy against resources captured from the program under mocks (homelab stack), then with
// one value changed. Each policy's validateStack is called directly, as the engine would call it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { captureProgram, CapturedResource } from "../../tests/helpers/capture";
import { stackPlan } from "../../tests/helpers/stacks";
import { TYPES } from "../facts-from-resources";
import { allPolicies } from "../policies";
import * as homelabPolicyConfig from "../config/homelab.json";

let base: CapturedResource[] = [];
const clone = () => structuredClone(base);

function configFor(name: string): Record<string, any> {
  const v = (homelabPolicyConfig as Record<string, any>)[name];
  return v && typeof v === "object" ? { ...v } : {};
}

/** Runs one policy (by name) the way the engine would, collecting violations. */
function run(name: string, resources: CapturedResource[], config = configFor(name)) {
  const policy = allPolicies.find((p) => p.name === name)!;
  const violations: string[] = [];
  let notApplicable: string | undefined;
  try {
    (policy as any).validateStack({
      resources: resources.map((r) => ({ ...r, urn: `urn:${r.name}`, opts: {}, isSecret: () => false })),
      stackTags: new Map(),
      getConfig: () => config,
      notApplicable: (reason?: string) => { notApplicable = reason ?? ""; throw new Error("__not_applicable__"); },
    }, (m: string) => violations.push(m));
  } catch (e) {
    if ((e as Error).message !== "__not_applicable__") throw e;
  }
  return { violations, notApplicable };
}

const vms = (rs: CapturedResource[]) => rs.filter((r) => r.type === TYPES.vm);
const vm = (rs: CapturedResource[], name: string) => vms(rs).find((r) => r.props.name === name)!;
const applyOf = (rs: CapturedResource[], ip: string) => rs.find((r) => r.type === TYPES.apply && r.props.node === ip)!;

before(async () => {
  base = await captureProgram(stackPlan("homelab"));
});

describe("the captured homelab stack", () => {
  it("has the shapes the pack reads", () => {
    assert.equal(vms(base).length, 7);
    assert.equal(base.filter((r) => r.type === TYPES.apply).length, 7);
    assert.ok(base.some((r) => r.type === TYPES.lbPoolV2));
  });
  it("passes every policy", () => {
    for (const p of allPolicies) assert.deepEqual(run(p.name, base).violations, [], p.name);
  });
});

describe("odd-control-plane-count", () => {
  it("fails with 2 control planes", () => {
    const dropped = clone().filter((r) => !(r.type === TYPES.vm && r.props.name === "talos-cp-03"));
    assert.match(run("odd-control-plane-count", dropped).violations.join(), /2 control planes/);
  });
  it("fails with 4 control planes", () => {
    const rs = clone();
    const extra = structuredClone(vm(rs, "talos-cp-03"));
    extra.props.name = "talos-cp-04";
    extra.props.vmId = 1018;
    extra.props.initialization.ipConfigs[0].ipv4.address = "192.168.0.18/24";
    assert.match(run("odd-control-plane-count", [...rs, extra]).violations.join(), /4 control planes/);
  });
  it("allows a single control plane only where configured", () => {
    const one = clone().filter((r) => !(r.type === TYPES.vm && ["talos-cp-02", "talos-cp-03"].includes(r.props.name)));
    assert.equal(run("odd-control-plane-count", one, { allowSingleControlPlane: false }).violations.length, 1);
    assert.equal(run("odd-control-plane-count", one, { allowSingleControlPlane: true }).violations.length, 0);
  });
});

describe("sizing", () => {
  it("recommended-sizing fails a worker with 12 GiB and passes with relaxed thresholds", () => {
    const rs = clone();
    vm(rs, "talos-wrk-04").props.memory.dedicated = 12 * 1024;
    assert.match(run("recommended-sizing", rs).violations.join(), /talos-wrk-04.*12 GiB RAM/);
    assert.deepEqual(run("recommended-sizing", rs, { worker: { memoryGiB: 8 } }).violations, []);
  });
  it("talos-minimum-sizing fails a control plane with 1 vCPU whatever the config", () => {
    const rs = clone();
    vm(rs, "talos-cp-02").props.cpu.cores = 1;
    assert.match(run("talos-minimum-sizing", rs, {}).violations.join(), /talos-cp-02.*1 vCPU.*Talos minimum of 2/);
  });
  it("recommended-sizing fails a small OS disk", () => {
    const rs = clone();
    vm(rs, "talos-cp-01").props.disks[0].size = 20;
    assert.match(run("recommended-sizing", rs).violations.join(), /20 GB OS disk/);
  });
});

describe("non-overlapping-networks", () => {
  const patchDoc = (rs: CapturedResource[], ip: string, edit: (s: string) => string) => {
    const a = applyOf(rs, ip);
    a.props.configPatches = a.props.configPatches.map(edit);
  };
  it("fails when the pod CIDR overlaps the node subnet", () => {
    const rs = clone();
    for (const n of stackPlan("homelab").nodes) patchDoc(rs, n.ip, (s) => s.replace("10.20.0.0/16", "192.168.0.0/16"));
    assert.match(run("non-overlapping-networks", rs).violations.join(), /pod CIDR 192\.168\.0\.0\/16 overlaps the node subnet/);
  });
  it("fails when the LB pool covers a node IP", () => {
    const rs = clone();
    rs.find((r) => r.type === TYPES.lbPoolV2)!.props.spec.blocks[0].start = "192.168.0.15";
    assert.match(run("non-overlapping-networks", rs).violations.join(), /contains node IP 192\.168\.0\.15/);
  });
  it("fails when the VIP sits inside the pool", () => {
    const rs = clone();
    rs.find((r) => r.type === TYPES.lbPoolV2)!.props.spec.blocks[0].start = "192.168.0.195";
    assert.match(run("non-overlapping-networks", rs, {}).violations.join(), /VIP 192\.168\.0\.200 is inside the LB pool/);
  });
  it("fails when the DHCP range of the policy config hands out a node IP", () => {
    assert.match(run("non-overlapping-networks", clone(), { dhcpRange: { start: "192.168.0.10", stop: "192.168.0.20" } }).violations.join(), /DHCP range .* hands out 192\.168\.0\.11/);
  });
  it("fails when the VIP is outside the node subnet", () => {
    const rs = clone();
    for (const ip of ["192.168.0.11", "192.168.0.12", "192.168.0.13"]) patchDoc(rs, ip, (s) => s.replace("ip: 192.168.0.200", "ip: 10.0.0.200"));
    assert.match(run("non-overlapping-networks", rs, {}).violations.join(), /VIP 10\.0\.0\.200 is outside the node subnet/);
  });
});

describe("identity, name resolution, placement, endpoints", () => {
  it("unique-node-identity fails duplicate hostnames", () => {
    const rs = clone();
    vm(rs, "talos-wrk-02").props.name = "talos-wrk-01";
    assert.match(run("unique-node-identity", rs).violations.join(), /hostname talos-wrk-01/);
  });
  it("dns-servers fails with a single resolver", () => {
    const rs = clone();
    for (const r of rs.filter((x) => x.type === TYPES.apply)) r.props.configPatches = r.props.configPatches.map((s: string) => s.replace(/nameservers:\n(\s+- .*\n)+/, "nameservers:\n      - 192.168.0.2\n"));
    assert.match(run("dns-servers", rs).violations.join(), /1 DNS server/);
  });
  it("ntp-servers fails with no servers", () => {
    const rs = clone();
    for (const r of rs.filter((x) => x.type === TYPES.apply)) r.props.configPatches = r.props.configPatches.map((s: string) => s.replace(/time:\n(\s+)servers:\n(\s+- .*\n)+/, "time:\n$1servers: []\n"));
    assert.match(run("ntp-servers", rs).violations.join(), /no NTP servers/);
  });
  it("control-plane-spread warns when two control planes share a host", () => {
    const rs = clone();
    vm(rs, "talos-cp-02").props.nodeName = "pve1";
    assert.match(run("control-plane-spread", rs).violations.join(), /share 2 of 3 Proxmox hosts/);
    assert.equal(allPolicies.find((p) => p.name === "control-plane-spread")!.enforcementLevel, "advisory");
  });
  it("talosconfig-endpoints-not-vip fails when the bootstrap talks to the VIP", () => {
    const rs = clone();
    rs.find((r) => r.type === TYPES.bootstrap)!.props.endpoint = "192.168.0.200";
    assert.match(run("talosconfig-endpoints-not-vip", rs).violations.join(), /VIP 192\.168\.0\.200/);
  });
});

describe("unknown values on preview", () => {
  it("no policy crashes and undecided rules say so", () => {
    const rs = clone();
    for (const r of rs) {
      if (r.type === TYPES.vm) { delete r.props.cpu; delete r.props.tags; delete r.props.memory; }
      if (r.type === TYPES.apply) delete r.props.configPatches;
    }
    for (const p of allPolicies) {
      const out = run(p.name, rs, configFor(p.name));
      assert.ok(Array.isArray(out.violations), p.name);
    }
    assert.match(run("odd-control-plane-count", rs).notApplicable ?? "", /cannot decide yet/);
    assert.match(run("recommended-sizing", rs).notApplicable ?? "", /cannot decide yet/);
  });
  it("garbage props do not crash the pack", () => {
    const rs = clone().map((r) => ({ ...r, props: { disks: "x", initialization: 5, configPatches: [42, "::: not yaml"], spec: null } as any }));
    for (const p of allPolicies) assert.doesNotThrow(() => run(p.name, rs, {}), p.name);
  });
});
