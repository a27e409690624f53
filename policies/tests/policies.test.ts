// The whole pack: every policy on the captured homelab stack, on a first preview's unknowns through
// CrossGuard's own proxy, and on unreadable values. Each rule's own cases are in the file named after
// its policies/rules file.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { UnknownValueError } from "@pulumi/policy";
import { analyzerProps } from "../judge-stack";
import { buildPlan } from "../../core/plan/build-plan";
import type { Plan } from "../../core/plan/types";
import { type CapturedResource, capturePreview } from "../../tests/helpers/capture";
import type { RawRegistration } from "../../tests/helpers/mocks";
import { stackInputs, stackPlan } from "../../tests/helpers/stacks";
import { TYPES } from "../facts-from-resources";
import { allPolicies } from "../policies";
import { runPolicy } from "./run-policy";
import { captureHomelab, captured, clone, vms } from "./captured";

const run = runPolicy;
captureHomelab();
const base = captured;

describe("the captured homelab stack", () => {
  it("has the shapes the pack reads", () => {
    assert.equal(vms(base()).length, 7);
    assert.equal(base().filter((r) => r.type === TYPES.apply).length, 7);
    assert.ok(base().some((r) => r.type === TYPES.lbPoolV2));
  });
  it("passes every policy; the one advisory policy it trips is storage-advice (its OSD sizes differ)", () => {
    for (const p of allPolicies) {
      if (p.name === "storage-advice") assert.match(run(p.name, base()).violations.join("\n"), /^[^\n]*OSD sizes differ[^\n]*$/);
      else assert.deepEqual(run(p.name, base()).violations, [], p.name);
    }
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
