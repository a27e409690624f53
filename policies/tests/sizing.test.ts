// policies/rules/sizing.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { captureHomelab, clone, vm } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

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
