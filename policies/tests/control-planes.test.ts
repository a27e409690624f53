// policies/rules/control-planes.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TYPES } from "../facts-from-resources";
import { captureHomelab, clone, vm } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

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
