// policies/rules/networks.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CapturedResource } from "../../tests/helpers/capture";
import { stackPlan } from "../../tests/helpers/stacks";
import { TYPES } from "../facts-from-resources";
import { captureHomelab, clone, applyOf } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

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
