// Talos's own code judges our patches: tools/talos-validate renders each node's machine config with
// Talos machinery (generate + configpatcher, as the Talos provider does) and runs Talos validation
// in metal mode. Built by tools/setup.sh for Talos 1.11 (the homelab release).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { patchStrings } from "../../components/TalosNode";
import { Plan } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { BIN } from "./engine";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
const validator = path.join(BIN, "talos-validate-1.11");
const missing = fs.existsSync(validator) ? false : "talos-validate is not built: run tools/setup.sh";

function validate(plan: Plan, patchesOf = (n: Plan["nodes"][number]) => patchStrings(plan, n, SCHEMATIC)) {
  const request = {
    clusterName: plan.clusterName, clusterEndpoint: plan.endpoint.url, talosVersion: plan.talosVersion, kubernetesVersion: plan.kubernetesVersion,
    nodes: plan.nodes.map((n) => ({ name: n.name, type: n.role, patches: patchesOf(n) })),
  };
  const r = spawnSync(validator, [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  return { status: r.status, results: r.stdout ? JSON.parse(r.stdout) as { name: string; warnings: string[]; error?: string }[] : [], stderr: r.stderr };
}

describe("Talos machinery validates the rendered machine configs (metal mode)", { skip: missing }, () => {
  it("every homelab node's config, in vip and kubeprism modes", () => {
    for (const mutate of [() => {}, (c: Record<string, any>) => { c.endpoint = { mode: "kubeprism", dnsName: "k8s.home.arpa" }; }]) {
      const plan = stackPlan("homelab", mutate);
      const out = validate(plan);
      assert.equal(out.status, 0, JSON.stringify(out));
      assert.deepEqual(out.results.map((r) => r.name), plan.nodes.map((n) => n.name));
      for (const r of out.results) assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
    }
  });
  it("rejects a config Talos would refuse (the validator can fail)", () => {
    const plan = stackPlan("homelab");
    // talos-wrk-01 gets an impossible static address and pod subnet in otherwise real patches
    const out = validate(plan, (n) => patchStrings(plan, n, SCHEMATIC).map((p) => (n.name === "talos-wrk-01" ? p.replace("192.168.0.14/24", "192.168.0.314/24").replace("10.20.0.0/16", "10.20.0.0/99") : p)));
    assert.notEqual(out.status, 0, JSON.stringify(out));
    assert.deepEqual(out.results.filter((r) => r.error).map((r) => r.name), ["talos-wrk-01"]);
  });
});
