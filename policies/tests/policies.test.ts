// Every policy against resources captured from the program under mocks (homelab stack), then with
// one value changed. Each policy's validateStack is called directly, as the engine would call it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { UnknownValueError } from "@pulumi/policy";
import { analyzerProps } from "../judge-stack";
import { buildPlan } from "../../core/plan/build-plan";
import type { Plan } from "../../core/plan/types";
import { captureProgram, type CapturedResource, capturePreview } from "../../tests/helpers/capture";
import type { RawRegistration } from "../../tests/helpers/mocks";
import { stackInputs, stackPlan } from "../../tests/helpers/stacks";
import { TYPES } from "../facts-from-resources";
import { allPolicies } from "../policies";
import { runPolicy } from "./run-policy";

let base: CapturedResource[] = [];
const clone = () => structuredClone(base);

const run = runPolicy;

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
  it("passes every policy; the one advisory policy it trips is storage-advice (its OSD sizes differ)", () => {
    for (const p of allPolicies) {
      if (p.name === "storage-advice") assert.match(run(p.name, base).violations.join("\n"), /^[^\n]*OSD sizes differ[^\n]*$/);
      else assert.deepEqual(run(p.name, base).violations, [], p.name);
    }
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
    assert.match(
      run("non-overlapping-networks", clone(), { dhcpRange: { start: "192.168.0.10", stop: "192.168.0.20" } }).violations.join(),
      /DHCP range .* hands out 192\.168\.0\.11/,
    );
  });
  it("fails when the VIP is outside the node subnet", () => {
    const rs = clone();
    for (const ip of ["192.168.0.11", "192.168.0.12", "192.168.0.13"])
      patchDoc(rs, ip, (s) => s.replace("ip: 192.168.0.200", "ip: 10.0.0.200"));
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
    for (const r of rs.filter((x) => x.type === TYPES.apply))
      r.props.configPatches = r.props.configPatches.map((s: string) =>
        s.replace(/nameservers:\n(\s+- .*\n)+/, "nameservers:\n      - 192.168.0.2\n"),
      );
    assert.match(run("dns-servers", rs).violations.join(), /1 DNS server/);
  });
  it("ntp-servers fails with no servers", () => {
    const rs = clone();
    for (const r of rs.filter((x) => x.type === TYPES.apply))
      r.props.configPatches = r.props.configPatches.map((s: string) =>
        s.replace(/time:\n(\s+)servers:\n(\s+- .*\n)+/, "time:\n$1servers: []\n"),
      );
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

describe("first preview of a fresh stack, through CrossGuard's own proxy", () => {
  // The engine's serialised form of a value it does not know yet.
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  /** What the analyzer hands a stack policy: props deserialised and wrapped the way server.js does. */
  const asAnalyzerSees = (raw: RawRegistration[]): CapturedResource[] =>
    raw.map((r) => ({ type: r.type, name: r.name, props: analyzerProps(r) }));
  /** A plan the program accepts because this stack's policy config turns `rule` off; the pack still judges. */
  const planWithout = (rule: string, mutate: (c: Record<string, any>) => void): Plan => {
    const inputs = stackInputs("homelab");
    mutate(inputs.config as Record<string, any>);
    const r = buildPlan({ ...inputs, policyConfig: { ...inputs.policyConfig, [rule]: "disabled" } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.plan;
  };
  const fourControlPlanes = (c: Record<string, any>) => {
    c.nodes.push({
      name: "talos-cp-04",
      role: "controlplane",
      ip: "192.168.0.18",
      vmId: 1018,
      host: "pve2",
      cpu: 4,
      memoryGiB: 8,
      osDiskGB: 50,
    });
  };
  const raw: Record<string, RawRegistration[]> = {};
  before(async () => {
    raw.homelab = await capturePreview(stackPlan("homelab"));
    raw.fourCps = await capturePreview(planWithout("odd-control-plane-count", fourControlPlanes));
    raw.smallWorker = await capturePreview(
      planWithout("recommended-sizing", (c) => {
        c.nodes[6].memoryGiB = 12;
      }),
    );
    raw.podOverlap = await capturePreview(
      planWithout("non-overlapping-networks", (c) => {
        c.network.podCidr = "192.168.0.0/16";
      }),
    );
  });

  it("the capture really carries unknowns, and the proxy throws on reading one", () => {
    const rs = asAnalyzerSees(raw.homelab);
    const disk = vms(rs)[0].props.disks[0];
    assert.throws(() => disk.importFrom, UnknownValueError, "the image's volume ID is unknown before the download exists");
    assert.throws(() => rs.find((r) => r.type === TYPES.apply)!.props.machineConfigurationInput, UnknownValueError);
  });
  it("the config patches are known: the schematic ID inside them is computed, not awaited", () => {
    const apply = asAnalyzerSees(raw.homelab).find((r) => r.type === TYPES.apply)!;
    assert.match(
      apply.props.configPatches[0],
      /nocloud-installer\/ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515:v1\.11\.5/,
    );
  });
  it("every policy decides the reference stack, and it passes (storage-advice: one advisory, OSD sizes differ)", () => {
    const rs = asAnalyzerSees(raw.homelab);
    for (const p of allPolicies) {
      const out = run(p.name, rs);
      if (p.name === "storage-advice") {
        assert.equal(p.enforcementLevel, "advisory");
        assert.equal(out.violations.length, 1, out.violations.join("\n"));
        assert.match(out.violations[0], /OSD sizes differ/);
      } else assert.deepEqual(out, { violations: [], notApplicable: undefined }, p.name);
    }
  });
  it("refuses 4 control planes", () => {
    assert.match(run("odd-control-plane-count", asAnalyzerSees(raw.fourCps)).violations.join(), /4 control planes/);
  });
  it("refuses an undersized worker", () => {
    assert.match(run("recommended-sizing", asAnalyzerSees(raw.smallWorker)).violations.join(), /talos-wrk-04.*12 GiB RAM/);
  });
  it("refuses a pod CIDR overlapping the node subnet", () => {
    assert.match(
      run("non-overlapping-networks", asAnalyzerSees(raw.podOverlap)).violations.join(),
      /pod CIDR 192\.168\.0\.0\/16 overlaps the node subnet/,
    );
  });
  it("one unknown costs only the rules that need it", () => {
    // every apply's patches unknown, as when they embedded the factory's schematic ID output
    const blind = raw.fourCps.map((r) => (r.type === TYPES.apply ? { ...r, object: { ...r.object, configPatches: UNKNOWN } } : r));
    const rs = asAnalyzerSees(blind);
    assert.match(run("odd-control-plane-count", rs).violations.join(), /4 control planes/);
    assert.deepEqual(run("recommended-sizing", rs), { violations: [], notApplicable: undefined });
    assert.deepEqual(run("unique-node-identity", rs), { violations: [], notApplicable: undefined });
    for (const rule of ["dns-servers", "ntp-servers", "talosconfig-endpoints-not-vip"]) {
      assert.match(run(rule, rs).notApplicable ?? "", /cannot decide yet/, rule);
    }
    // the subnet still comes from the VMs' addresses, so a pool outside it is still caught
    const pool = rs.find((r) => r.type === TYPES.lbPoolV2)!;
    const moved = rs.map((r) => (r === pool ? { ...r, props: { spec: { blocks: [{ start: "192.168.1.1", stop: "192.168.1.9" }] } } } : r));
    assert.match(run("non-overlapping-networks", moved).violations.join(), /not inside the node subnet/);
  });
  it("a single unknown VM size waits only for that node", () => {
    const blind = raw.smallWorker.map((r) =>
      r.type === TYPES.vm && r.object.name === "talos-wrk-01" ? { ...r, object: { ...r.object, memory: { dedicated: UNKNOWN } } } : r,
    );
    const out = run("recommended-sizing", asAnalyzerSees(blind));
    assert.match(out.violations.join(), /talos-wrk-04.*12 GiB RAM/);
    assert.ok(!out.violations.join().includes("talos-wrk-01"));
  });
});

describe("unreadable values", () => {
  it("garbage props do not crash the pack", () => {
    const rs = clone().map((r) => ({
      ...r,
      props: { disks: "x", initialization: 5, configPatches: [42, "::: not yaml"], spec: null } as any,
    }));
    for (const p of allPolicies) assert.doesNotThrow(() => run(p.name, rs, {}), p.name);
  });
});
