// Benchmark: a rolling Talos upgrade (v1.11.5 -> v1.12.1) of the homelab plan (3 control planes, 4
// workers) under the real engine: `pulumi up` of the project's TalosUpgrade (the lifecycle tier's
// DAY2_PROGRAM) with the command provider stand-in running the steps (tools/day2/talos-day2.ts, the real
// talosctl) against the Talos API stand-in with the reboot simulated, all in the tier's network namespace
// (tests/lifecycle/harness.ts). Its wall time as a ratio to the ideal: control planes x t +
// ceil(workers / batch) x t, where t is the simulated time from the upgrade call until the node is back
// and Ready (reboot + a fifth of it). Also the CPU time (user+sys) of the `pulumi` process tree and the
// engine's share of the wall time: before the first step started and after the last one ended.
//   bash tools/with-node.sh node --import tsx bench/rolling-upgrade.ts [rebootMs=5000] [batch=1]
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Plan } from "../core/plan/types";
import { stackPlan } from "../tests/helpers/stacks";
import { talosctlPath } from "../tests/helpers/talos-standin";
import { tempDir } from "../tests/helpers/tmp";
import {
  buildLifecycleTools,
  clientConfigurationOf,
  type Inputs,
  LifecycleProject,
  Netns,
  readJournal,
  startTalos,
} from "../tests/lifecycle/harness";

const CLOCK_TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
/** user+sys seconds of this process's waited-for children (fields 16 and 17 of /proc/self/stat) */
function childrenCpu(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICK;
}

async function main() {
  const rebootMs = Number(process.argv[2] ?? 5000);
  const batch = Number(process.argv[3] ?? 1);
  const readyMs = Math.round(rebootMs / 5);
  const plan = (talos: string): Plan =>
    stackPlan("homelab", (c) => {
      c.versions = { ...c.versions, talos };
      c.upgrade = { workerBatchSize: batch, snapshotDir: ".etcd-snapshots" };
    });
  const from = plan("v1.11.5");
  const to = plan("v1.12.1");
  buildLifecycleTools();
  const work = tempDir("bench-rolling-upgrade");
  const journal = path.join(work, "command.jsonl");
  const ns = await Netns.start([...new Set(from.nodes.map((n) => n.ip))]);
  const talos = await startTalos(ns, from, { version: "v1.11.5", rebootMs, readyMs });
  try {
    const project = LifecycleProject.create(ns, "bench", {
      COMMAND_STANDIN_JOURNAL: journal,
      TALOSCTL: talosctlPath(),
      POLL_INTERVAL_MS: "250",
      REBOOT_TIMEOUT_S: "600",
    });
    const inputs = (p: Plan): Inputs => ({
      plan: p,
      schematicId: "a".repeat(64),
      clientConfiguration: clientConfigurationOf(talos.talosconfig),
      kubeconfig: talos.kubeconfig,
    });
    const up = () => {
      const r = project.up();
      if (r.status !== 0) throw new Error(`pulumi up failed:\n${r.stdout}\n${r.stderr}`);
    };
    // the cluster's first up (every step a create that only checks), then the upgrade
    project.setInputs(inputs(from));
    up();
    const before = readJournal(journal).length;
    project.setInputs(inputs(to));
    const cpu0 = childrenCpu();
    const t0 = Date.now();
    up();
    const t1 = Date.now();
    const cpu = childrenCpu() - cpu0;
    const runs = readJournal(journal).slice(before);
    const upgraded = talos.events().filter((e) => e.event === "upgrade").length;
    if (upgraded !== to.nodes.length) throw new Error(`${upgraded} nodes upgraded, not ${to.nodes.length}`);

    const wall = (t1 - t0) / 1000;
    const t = (rebootMs + readyMs) / 1000;
    const ideal = to.controlPlanes.length * t + Math.ceil(to.workers.length / batch) * t;
    const firstStart = Math.min(...runs.map((r) => r.t));
    const lastEnd = Math.max(...runs.map((r) => r.t + r.ms));
    console.log(
      `rolling upgrade of homelab (${to.controlPlanes.length} control planes, ${to.workers.length} workers, batch ${batch}) under the real engine, simulated reboot ${rebootMs} ms + Ready ${readyMs} ms (t = ${t}s)`,
    );
    for (const r of runs)
      console.log(`  ${r.op} ${r.name.padEnd(28)} ${(r.ms / 1000).toFixed(1)}s (from ${((r.t - t0) / 1000).toFixed(1)}s)`);
    console.log(
      `wall ${wall.toFixed(1)}s, ideal ${ideal.toFixed(1)}s, ratio ${(wall / ideal).toFixed(2)}; the engine before the first step ${((firstStart - t0) / 1000).toFixed(1)}s, after the last ${((t1 - lastEnd) / 1000).toFixed(1)}s; CPU of the pulumi process tree ${cpu.toFixed(1)}s; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    talos.stop();
    ns.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
