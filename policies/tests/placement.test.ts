// policies/rules/placement.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allPolicies } from "../policies";
import { captureHomelab, clone, vm } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

describe("control-plane-spread", () => {
  it("control-plane-spread warns when two control planes share a host", () => {
    const rs = clone();
    vm(rs, "talos-cp-02").props.nodeName = "pve1";
    assert.match(run("control-plane-spread", rs).violations.join(), /share 2 of 3 Proxmox hosts/);
    assert.equal(allPolicies.find((p) => p.name === "control-plane-spread")!.enforcementLevel, "advisory");
  });
});
