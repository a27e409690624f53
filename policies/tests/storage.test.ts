// storage-plan and storage-advice on the resources the program emits for the homelab stack (its VMs'
// disks), then with one value changed, and on a fresh stack's first preview through CrossGuard's own
// deserialiser and proxy. Each policy's validateStack is called as the engine calls it.
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

const vm = (rs: CapturedResource[], name: string) => rs.find((r) => r.type === TYPES.vm && r.props.name === name)!;

before(async () => {
  base = await captureProgram(stackPlan("homelab"));
});

describe("storage policies on the captured homelab stack", () => {
  it("are in the pack: storage-plan mandatory, storage-advice advisory", () => {
    assert.equal(allPolicies.find((p) => p.name === "storage-plan")!.enforcementLevel, "mandatory");
    assert.equal(allPolicies.find((p) => p.name === "storage-advice")!.enforcementLevel, "advisory");
  });
  it("storage-plan passes the reference plan: OSDs on 4 nodes on 3 Proxmox hosts", () => {
    assert.deepEqual(run("storage-plan", base), { violations: [], notApplicable: undefined });
  });
  it("storage-advice says the reference plan's OSD sizes differ, and nothing else", () => {
    const out = run("storage-advice", base);
    assert.equal(out.violations.length, 1, out.violations.join("\n"));
    assert.match(
      out.violations[0],
      /OSD sizes differ \((?=.*talos-wrk-01 500)(?=.*talos-wrk-02 500)(?=.*talos-wrk-03 250)(?=.*talos-wrk-04 250)[^)]* GB\).*Fix: give every data disk the same size.*\[homelab:nodes\]$/,
    );
  });
  it("storage-plan refuses data disks on only two VMs", () => {
    const rs = clone();
    for (const n of ["talos-wrk-03", "talos-wrk-04"]) vm(rs, n).props.disks = vm(rs, n).props.disks.slice(0, 1);
    assert.match(
      run("storage-plan", rs).violations.join("\n"),
      /Ceph data disks on 2 node\(s\) \(nodes\(talos-wrk-01\), nodes\(talos-wrk-02\)\): 3 replicas need OSDs on at least 3 nodes/,
    );
  });
  it("storage-plan refuses three OSD VMs on one physical host, counting Proxmox hosts, not VMs", () => {
    const rs = clone();
    for (const n of ["talos-wrk-02", "talos-wrk-03"]) vm(rs, n).props.nodeName = "pve1";
    // the pack sees the VMs in the program's registration order (talos-wrk-04 with pve1's other VMs)
    const out = run("storage-plan", rs).violations;
    assert.equal(out.length, 2, out.join("\n"));
    assert.match(
      out[0],
      /the 4 OSD nodes sit on 1 Proxmox host\(s\) \(pve1: talos-wrk-01, talos-wrk-04, talos-wrk-02, talos-wrk-03\).*move nodes\(talos-wrk-04\) to pve2.*\[homelab:nodes\(talos-wrk-04\)\.host\]$/,
    );
    assert.match(out[1], /move nodes\(talos-wrk-02\) to pve3/);
  });
  it("storage-plan refuses a data disk under 5 GB, naming the disk", () => {
    const rs = clone();
    vm(rs, "talos-wrk-04").props.disks[1].size = 4;
    assert.match(
      run("storage-plan", rs).violations.join("\n"),
      /4 GB data disk: ceph-volume rejects devices under 5 GB.*\[homelab:nodes\(talos-wrk-04\)\.dataDisksGB\[0\]\]/,
    );
  });
  it("storage-plan takes its replica count from the policy config", () => {
    const rs = clone();
    for (const n of ["talos-wrk-03", "talos-wrk-04"]) vm(rs, n).props.disks = vm(rs, n).props.disks.slice(0, 1);
    assert.deepEqual(run("storage-plan", rs, { replicas: 2 }).violations, []);
  });
  it("storage-advice: small OSD, small OS disk, data disk on a control plane", () => {
    const rs = clone();
    vm(rs, "talos-wrk-01").props.disks[1].size = 60;
    vm(rs, "talos-wrk-02").props.disks[0].size = 20;
    const cp = vm(rs, "talos-cp-01");
    cp.props.disks = [...cp.props.disks, { ...vm(rs, "talos-wrk-01").props.disks[1], size: 500 }];
    const out = run("storage-advice", rs).violations.join("\n");
    assert.match(out, /nodes\(talos-wrk-01\) has a 60 GB OSD, below the 100 GB recommended/);
    assert.match(
      out,
      /nodes\(talos-wrk-02\), a worker, has a 20 GB OS disk, below the 30 GB recommended for a worker with separate data disks/,
    );
    assert.match(out, /nodes\(talos-cp-01\) is a control plane with Ceph data disks/);
    assert.match(
      run("storage-advice", rs, { recommendedOsdGB: 50, workerOsDiskWithDataGB: 20 }).violations.join("\n"),
      /^(?!.*60 GB OSD)(?!.*20 GB OS disk)/s,
    );
  });
  it("a disk size not known yet costs only that decision", () => {
    const rs = clone();
    // the proxy throws on reading an unknown; a getter that throws the same way stands in for it
    Object.defineProperty(vm(rs, "talos-wrk-03").props.disks[1], "size", {
      get() {
        throw new UnknownValueError("disks[1].size");
      },
    });
    assert.match(run("storage-plan", rs).notApplicable ?? "", /cannot decide yet: the data disks of nodes\(talos-wrk-03\)/);
    // what is known is still judged
    vm(rs, "talos-wrk-04").props.disks[1].size = 2;
    assert.match(run("storage-plan", rs).violations.join("\n"), /2 GB data disk/);
  });
});

describe("storage-plan on a fresh stack's first preview, through CrossGuard's proxy", () => {
  const asAnalyzerSees = (raw: RawRegistration[]): CapturedResource[] =>
    raw.map((r) => ({ type: r.type, name: r.name, props: analyzerProps(r) }));
  /** A plan the program accepts because this stack's policy config turns storage-plan off; the pack still judges. */
  const planWithout = (mutate: (c: Record<string, any>) => void): Plan => {
    const inputs = stackInputs("homelab");
    mutate(inputs.config as Record<string, any>);
    const r = buildPlan({ ...inputs, policyConfig: { ...inputs.policyConfig, "storage-plan": "disabled" } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.plan;
  };
  const raw: Record<string, RawRegistration[]> = {};
  before(async () => {
    raw.homelab = await capturePreview(stackPlan("homelab"));
    raw.oneHost = await capturePreview(
      planWithout((c) => {
        for (const n of c.nodes) if (n.dataDisksGB) n.host = "pve1";
      }),
    );
    raw.twoNodes = await capturePreview(
      planWithout((c) => {
        for (const n of c.nodes.slice(5)) delete n.dataDisksGB;
      }),
    );
  });
  it("decides the reference stack and passes it; the advice is decided too", () => {
    const rs = asAnalyzerSees(raw.homelab);
    assert.deepEqual(run("storage-plan", rs), { violations: [], notApplicable: undefined });
    assert.match(run("storage-advice", rs).violations.join(), /OSD sizes differ/);
  });
  it("refuses OSD VMs that all sit on one Proxmox host", () => {
    const out = run("storage-plan", asAnalyzerSees(raw.oneHost)).violations;
    assert.equal(out.length, 2, out.join("\n"));
    assert.match(out.join("\n"), /sit on 1 Proxmox host\(s\) \(pve1: (talos-wrk-0[1-4](, )?){4}\)/);
  });
  it("refuses data disks on two nodes", () => {
    assert.match(
      run("storage-plan", asAnalyzerSees(raw.twoNodes)).violations.join("\n"),
      /Ceph data disks on 2 node\(s\).*\[homelab:nodes\]$/,
    );
  });
});
