// policies/rules/endpoints.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TYPES } from "../facts-from-resources";
import { captureHomelab, clone } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

describe("talosconfig-endpoints-not-vip", () => {
  it("talosconfig-endpoints-not-vip fails when the bootstrap talks to the VIP", () => {
    const rs = clone();
    rs.find((r) => r.type === TYPES.bootstrap)!.props.endpoint = "192.168.0.200";
    assert.match(run("talosconfig-endpoints-not-vip", rs).violations.join(), /VIP 192\.168\.0\.200/);
  });
});
