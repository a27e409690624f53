// Drift (issue 16, item 4): nodes that run another Talos version than the stack recorded are rolled
// again, and the upgrade path is judged from the lowest version that runs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { driftAdvice, lowestVersion, talosDrift } from "../../core/day2/observe";

const deployed = { talosVersion: "v1.12.1", nodes: [{ name: "talos-cp-01" }, { name: "talos-cp-02" }, { name: "talos-wrk-01" }] };

describe("drift between what runs and what the stack recorded", () => {
  it("names the nodes on another version; a node that did not answer is no drift", () => {
    assert.deepEqual(talosDrift(deployed, { "talos-cp-01": "v1.12.1", "talos-wrk-01": "v1.11.5" }), [
      { name: "talos-wrk-01", runs: "v1.11.5", recorded: "v1.12.1" },
    ]);
    assert.deepEqual(talosDrift(deployed, {}), []);
    assert.deepEqual(talosDrift(undefined, { "talos-cp-01": "v1.11.5" }), [], "a new stack has nothing recorded");
    assert.deepEqual(talosDrift(deployed, { "talos-cp-09": "v1.10.0" }), [], "only nodes the stack deployed");
  });
  it("the lowest version compares numerically", () => {
    assert.equal(lowestVersion(["v1.12.1", "v1.11.5", "v1.11.10"]), "v1.11.5");
    assert.equal(lowestVersion(["v1.9.0", "v1.10.0"]), "v1.9.0");
    assert.equal(lowestVersion([]), undefined);
  });
  it("the warning says what runs, what was recorded and what this run does", () => {
    const m = driftAdvice([{ name: "talos-wrk-01", runs: "v1.11.5", recorded: "v1.12.1" }], "v1.12.1")!;
    assert.match(m, /talos-wrk-01 runs Talos v1\.11\.5, not v1\.12\.1 as the last `pulumi up` recorded/);
    assert.match(m, /takes it to v1\.12\.1/);
    assert.equal(driftAdvice([], "v1.12.1"), undefined);
  });
});
