// Talos machinery judges the day-2 config changes: the etcd-backup API access on control planes, and
// an upgrade to 1.12 that keeps the 1.11 contract (configs generated and patched for 1.11).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { patchStrings } from "../../components/TalosNode";
import { resolveContract } from "../../core/deployed/contract";
import { deployedStateOf } from "../../core/deployed/state";
import { Plan } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { BIN } from "./engine";

const validator = path.join(BIN, "talos-validate-1.11");
const missing = fs.existsSync(validator) ? false : "talos-validate is not built: run tools/setup.sh";

function validate(plan: Plan) {
  // the config is generated for the contract, as TalosNode does
  const request = { clusterName: plan.clusterName, clusterEndpoint: plan.endpoint.url, talosVersion: plan.configTalosVersion, kubernetesVersion: plan.kubernetesVersion,
    nodes: plan.nodes.map((n) => ({ name: n.name, type: n.role, patches: patchStrings(plan, n, "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515") })) };
  const r = spawnSync(validator, [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  return { status: r.status, results: r.stdout ? JSON.parse(r.stdout) as { name: string; error?: string }[] : [], stderr: r.stderr };
}

describe("Talos machinery validates day-2 configs (contract 1.11)", { skip: missing }, () => {
  it("etcdBackup on: control planes with kubernetesTalosAPIAccess validate", () => {
    const out = validate(stackPlan("homelab", (c) => { c.etcdBackup = { schedule: "17 3 * * *" }; }));
    assert.equal(out.status, 0, JSON.stringify(out));
    for (const r of out.results) assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
  });
  it("Talos v1.12.1 installed, contract kept at v1.11.5: every node validates", () => {
    const running = deployedStateOf(stackPlan("homelab"));
    const plan = resolveContract(stackPlan("homelab", (c) => { c.versions.talos = "v1.12.1"; }), running);
    assert.equal(plan.configTalosVersion, "v1.11.5");
    const out = validate(plan);
    assert.equal(out.status, 0, JSON.stringify(out));
    assert.equal(out.results.length, 7);
    for (const r of out.results) assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
  });
});
