// Benchmark: wall time of a rolling Talos upgrade (v1.11.5 -> v1.12.1) of the homelab plan (3 control
// planes, 4 workers) run by the program's own steps with the real talosctl against the Talos API
// stand-in, with the reboot simulated, as a ratio to the ideal: control planes x t + ceil(workers / batch) x t,
// where t is the simulated time from the upgrade call until the node is back and Ready.
//   npx tsx bench/rolling-upgrade.ts [rebootMs=5000] [batch=1]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveContract } from "../core/deployed/contract";
import { deployedStateOf } from "../core/deployed/state";
import { captureSteps, type StepState, up } from "../tests/helpers/day2-harness";
import { stackPlan } from "../tests/helpers/stacks";
import { buildDay2Tools, translateAddresses, startStandin, talosctlPath } from "../tests/helpers/talos-standin";

// the plan keeps its addresses; the steps reach the stand-in's nodes on loopback (same last octet)
const NAT = { translate: translateAddresses };

async function main() {
  const rebootMs = Number(process.argv[2] ?? 5000);
  const batch = Number(process.argv[3] ?? 1);
  const readyMs = Math.round(rebootMs / 5);
  const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-snapshots-"));
  const plan = (talos: string) =>
    stackPlan("homelab", (c) => {
      c.versions = { ...c.versions, talos };
      c.upgrade = { workerBatchSize: batch, snapshotDir };
    });
  const from = plan("v1.11.5");
  const to = resolveContract(plan("v1.12.1"), deployedStateOf(from));
  buildDay2Tools();
  const standin = await startStandin(from, { version: "v1.11.5", rebootMs, readyMs });
  try {
    const env = {
      TALOSCONFIG_DATA: standin.talosconfig,
      KUBECONFIG_DATA: standin.kubeconfig,
      TALOSCTL: talosctlPath(),
      POLL_INTERVAL_MS: "250",
    };
    const state: StepState = new Map();
    const created = await up(await captureSteps(from), state, env, NAT);
    if (created.failed) throw new Error(created.failed.stderr);
    const steps = await captureSteps(to, deployedStateOf(from));
    const t0 = Date.now();
    const r = await up(steps, state, env, NAT);
    const wall = (Date.now() - t0) / 1000;
    if (r.failed) throw new Error(`${r.failed.name}: ${r.failed.stderr}`);
    const t = (rebootMs + readyMs) / 1000;
    const ideal = to.controlPlanes.length * t + Math.ceil(to.workers.length / batch) * t;
    console.log(
      `rolling upgrade of homelab (${to.controlPlanes.length} control planes, ${to.workers.length} workers, batch ${batch}), simulated reboot ${rebootMs} ms + Ready ${readyMs} ms (t = ${t}s)`,
    );
    for (const run of r.runs) console.log(`  ${run.name.padEnd(28)} ${(run.ms / 1000).toFixed(1)}s`);
    console.log(`wall ${wall.toFixed(1)}s, ideal ${ideal.toFixed(1)}s, ratio ${(wall / ideal).toFixed(2)}`);
  } finally {
    standin.stop();
    fs.rmSync(snapshotDir, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
