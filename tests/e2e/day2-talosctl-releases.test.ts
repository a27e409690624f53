// The day-2 node step (tools/day2/talos-day2.ts) with each talosctl release whose upgrade behaves
// differently, against the Talos machine-API stand-in (tests/standins/talos-api):
//   talosctl 1.12.1 (.toolchain/bin/talosctl, tools/versions.env TALOSCTL_VERSION)
//   talosctl 1.13.0 (.toolchain/bin/talosctl-1.13, `tools/toolchain/build-talosctl.sh 1.13.0`): its
//     `upgrade` forces --wait whenever --drain is on, and --drain defaults to true (talos v1.13.0
//     cmd/talosctl/cmd/talos/upgrade.go), so the old `--wait=false` alone no longer meant one call.
// And a refused upgrade, answered the way Talos's apid answers one (the error inside the reply's
// metadata, backend/apid.go BuildError): the step fails at once with Talos's own message.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { installerImage } from "../../core/talos/patches";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";
import { buildDay2Tools, type Standin, startStandin, talosctlPath, toLoopback } from "../helpers/talos-standin";

const TALOSCTL_113 = path.join(PROJECT_DIR, ".toolchain", "bin", "talosctl-1.13");
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

function runStep(env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((res) => {
    const child = spawn("node", ["--import", "tsx", "tools/day2/talos-day2.ts", "node", "create"], {
      cwd: PROJECT_DIR,
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(kill);
      res({ code, out, ms: Date.now() - t0 });
    });
  });
}

const plan = stackPlan("homelab", (c) => {
  c.clusterName = "reltest";
});
const releases: [string, () => string][] = [
  ["1.12", talosctlPath],
  ["1.13", () => TALOSCTL_113],
];

describe("the node step with talosctl 1.12 and 1.13", { timeout: 900_000 }, () => {
  let standin: Standin;
  let base: Record<string, string>;
  before(async () => {
    buildDay2Tools();
    execFileSync("bash", [path.join(PROJECT_DIR, "tools", "toolchain", "build-talosctl.sh"), "1.13.0"], { stdio: "inherit" });
    standin = await startStandin(plan, { version: "v1.11.5", rebootMs: 800, readyMs: 200 });
    base = {
      TALOSCONFIG_DATA: standin.talosconfig,
      KUBECONFIG_DATA: standin.kubeconfig,
      POLL_INTERVAL_MS: "200",
      REBOOT_TIMEOUT_S: "60",
      CONTROL_PLANES: plan.controlPlanes.map((n) => `${n.name}=${toLoopback(n.ip)}`).join(","),
    };
  });
  after(() => standin?.stop());

  const stepEnv = (talosctl: string, n: { name: string; ip: string; role: string }, talos: string) => ({
    ...base,
    TALOSCTL: talosctl,
    NODE_NAME: n.name,
    NODE_IP: toLoopback(n.ip),
    NODE_ROLE: n.role,
    TALOS_VERSION: talos,
    INSTALLER_IMAGE: installerImage(SCHEMATIC, talos),
  });

  it("the two talosctl binaries are the two releases", () => {
    for (const [minor, bin] of releases) {
      const v = execFileSync(bin(), ["version", "--client", "--short"], { encoding: "utf8" });
      assert.match(v, new RegExp(`v${minor.replace(".", "\\.")}\\.`), `${bin()}: ${v}`);
    }
  });

  for (const [minor, bin] of releases) {
    it(`talosctl ${minor}: a worker upgrade is one Upgrade call, then the runner sees the reboot, the version and Ready`, async () => {
      const w = plan.workers[minor === "1.12" ? 0 : 1];
      const before = standin.events().length;
      const r = await runStep(stepEnv(bin(), w, "v1.12.1"), 150_000);
      assert.equal(r.code, 0, r.out);
      const ev = standin
        .events()
        .slice(before)
        .filter((e) => e.node === w.name);
      assert.deepEqual(
        ev.map((e) => e.event),
        ["upgrade", "cordon", "down", "up", "ready"],
        JSON.stringify(ev),
      );
      assert.match(r.out, new RegExp(`${w.name} runs v1\\.12\\.1, Ready`));
      assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
    });

    it(`talosctl ${minor}: a control plane whose upgrade Talos refuses fails at once, with Talos's message, and nothing reboots`, async () => {
      const cp = plan.controlPlanes[minor === "1.12" ? 1 : 2];
      const msg =
        "error validating etcd for upgrade: etcd member 5a30ab21572cd620 is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded";
      fs.writeFileSync(path.join(standin.dir, `fail-upgrade-${cp.name}`), msg);
      const before = standin.events().length;
      try {
        const r = await runStep(stepEnv(bin(), cp, "v1.12.1"), 150_000);
        assert.notEqual(r.code, 0, r.out);
        assert.ok(r.out.includes(`Talos refused the upgrade of ${cp.name}: ${msg}`), r.out);
        assert.ok(r.ms < 30_000, `failed after ${r.ms} ms, not at once (the reboot wait is 60 s)`);
        const ev = standin
          .events()
          .slice(before)
          .filter((e) => e.node === cp.name);
        assert.deepEqual(
          ev.map((e) => e.event),
          ["upgrade-refused"],
        );
      } finally {
        fs.rmSync(path.join(standin.dir, `fail-upgrade-${cp.name}`), { force: true });
      }
    });
  }
});
