// policies/rules/identity.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { captureHomelab, clone, vm } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

describe("unique-node-identity", () => {
  it("unique-node-identity fails duplicate hostnames", () => {
    const rs = clone();
    vm(rs, "talos-wrk-02").props.name = "talos-wrk-01";
    assert.match(run("unique-node-identity", rs).violations.join(), /hostname talos-wrk-01/);
  });
});
