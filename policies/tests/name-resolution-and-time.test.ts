// policies/rules/name-resolution-and-time.ts against the captured homelab stack with one value changed, each rule called
// the way the engine calls validateStack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TYPES } from "../facts-from-resources";
import { captureHomelab, clone } from "./captured";
import { runPolicy as run } from "./run-policy";

captureHomelab();

describe("dns-servers and ntp-servers", () => {
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
});
