// The preflight's capacity warnings and plan notes name the config key they are about, as problems do,
// and it says when a plan deploys but cannot work as intended (no node for workloads).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildReport } from "../../preflight/report";
import { stackPlan } from "../helpers/stacks";

describe("preflight warnings with their keys", () => {
  it("a host short of capacity: the warning names proxmox.hosts[i].capacity.<what> and a fix", () => {
    const plan = stackPlan("homelab", (c) => {
      c.proxmox.hosts[1].capacity.memoryGiB = 64;
      c.proxmox.hosts[0].capacity.cpu = 16;
    });
    const r = buildReport("homelab", plan, [], [], []);
    const warnings = r.capacity!.hosts.flatMap((h) => h.warnings);
    assert.ok(
      warnings.some((w) =>
        /^homelab:proxmox\.hosts\[0\]\.capacity\.cpu: pve1: cpu requested 20 exceeds capacity 16 \(fix: move a VM to another host/.test(w),
      ),
      warnings.join("\n"),
    );
    assert.ok(
      warnings.some((w) =>
        /^homelab:proxmox\.hosts\[1\]\.capacity\.memoryGiB: pve2: memoryGiB headroom 1\.6x is below the 2x wanted .*lower `capacityHeadroom`/.test(
          w,
        ),
      ),
      warnings.join("\n"),
    );
  });
  it("a plan without workers deploys, but every workload stays Pending: said on homelab:nodes", () => {
    const plan = stackPlan(
      "homelab",
      (c) => {
        c.nodes = c.nodes.filter((n: { role: string }) => n.role === "controlplane");
      },
      { policyConfig: {} },
    );
    const r = buildReport("homelab", plan, [], [], []);
    assert.ok(
      r.notes.some((n) => /^homelab:nodes: no worker: .* stays Pending \(fix: add a node with `role: worker`\)$/.test(n)),
      r.notes.join("\n"),
    );
    assert.ok(!buildReport("homelab", stackPlan("homelab"), [], [], []).notes.some((n) => /no worker/.test(n)));
  });
  it("a node whose overhead eats its RAM is named by its memoryGiB key", () => {
    const plan = stackPlan(
      "homelab",
      (c) => {
        c.nodes[5].memoryGiB = 4;
      },
      { policyConfig: { "recommended-sizing": "disabled" } },
    );
    const r = buildReport("homelab", plan, [], [], []);
    assert.ok(
      r.notes.some((n) =>
        /^homelab:nodes\[5\]\.memoryGiB: talos-wrk-03: .*leaves no RAM for workloads \(fix: write `memoryGiB: 10` or more\)$/.test(n),
      ),
      r.notes.join("\n"),
    );
  });
});
