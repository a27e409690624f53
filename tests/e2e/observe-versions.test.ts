// What the nodes run, read by the program before anything changes (core/day2/observe.ts), with the
// real talosctl against the Talos API stand-in on loopback: one node upgraded out of band (a real
// `talosctl upgrade`), the others on the recorded version, and one address where nothing answers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { talosctlArgs } from "../../core/day2/talosctl";
import { lowestVersion, observeTalosVersions, talosDrift } from "../../core/day2/observe";
import { deployedStateOf } from "../../core/deployed/state";
import { stackPlan } from "../helpers/stacks";
import { buildDay2Tools, type Standin, startStandin, talosctlPath, toLoopback } from "../helpers/talos-standin";

describe("running Talos versions, read with the real talosctl (Talos API stand-in)", { timeout: 180_000 }, () => {
  const plan = stackPlan("lab");
  let standin: Standin;
  before(async () => {
    buildDay2Tools();
    standin = await startStandin(plan, { version: "v1.12.1", rebootMs: 300, readyMs: 100 });
  });
  after(() => standin?.stop());

  it("reads each node's version, and skips one that does not answer within the limit", async () => {
    const [cp, wrk] = plan.nodes;
    // the worker is rolled back out of band: the stand-in installs what the image's tag says
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "observe-"));
    fs.writeFileSync(path.join(dir, "talosconfig"), standin.talosconfig, { mode: 0o600 });
    execFileSync(
      talosctlPath(),
      [
        "--talosconfig",
        path.join(dir, "talosconfig"),
        ...talosctlArgs.upgrade(toLoopback(wrk.ip), "factory.talos.dev/installer/x:v1.11.5"),
      ],
      { stdio: "pipe" },
    );
    const nodes = [
      { name: cp.name, ip: toLoopback(cp.ip) },
      { name: wrk.name, ip: toLoopback(wrk.ip) },
      { name: "nobody", ip: "127.0.0.99" },
    ];
    let seen: Record<string, string> = {};
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      seen = await observeTalosVersions(nodes, standin.talosconfig, talosctlPath(), 3000);
      if (seen[wrk.name] === "v1.11.5") break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(seen, { [cp.name]: "v1.12.1", [wrk.name]: "v1.11.5" });
    const start = Date.now();
    await observeTalosVersions([{ name: "nobody", ip: "127.0.0.99" }], standin.talosconfig, talosctlPath(), 2000);
    assert.ok(Date.now() - start < 5000, "a node that does not answer costs at most the limit");
    const deployed = deployedStateOf(plan);
    const drift = talosDrift({ ...deployed, talosVersion: "v1.12.1" }, seen);
    assert.deepEqual(drift, [{ name: wrk.name, runs: "v1.11.5", recorded: "v1.12.1" }]);
    assert.equal(lowestVersion(["v1.12.1", ...drift.map((d) => d.runs)]), "v1.11.5");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
