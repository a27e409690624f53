// End-to-end tier: the real Pulumi CLI and Node language host, built from Go modules, run the program.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { stringify } from "yaml";
import { BIN, tempProject, toolchainMissing } from "./engine";
import { PROJECT_DIR, referenceStackConfig } from "../helpers/stacks";

/** Writes Pulumi.<stack>.yaml of a temp project: the homelab config edited as objects. */
function writeStack(dir: string, stack: string, edit: (c: Record<string, any>) => void) {
  const config = referenceStackConfig("homelab");
  edit(config);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
}

const TOKEN = "e2e@pam!ci=6d1f0a3e-4c55-4b7e-9a57-2f7c1e0b9d42";

describe("real engine", () => {
  before(() => {
    if (toolchainMissing) assert.fail(toolchainMissing);
  });

  it("refuses a broken stack with every problem at once, no stack trace and no resource", () => {
    const p = tempProject();
    writeStack(p.dir, "broken", (c) => {
      c["homelab:network"].subnet = "192.168.0.0/33";
      Object.assign(c["homelab:nodes"][1], { ip: "192.168.0.300", vmId: 1011 });
      c["homelab:endpoint"].mode = "anycast";
    });
    assert.equal(p.run(["stack", "init", "broken", "--secrets-provider", "passphrase"]).status, 0);
    const up = p.run(["up", "--yes", "--skip-preview", "--stack", "broken"]);
    const out = up.stdout + up.stderr;
    assert.notEqual(up.status, 0);
    for (const key of [
      "homelab:network.subnet",
      "homelab:nodes[1].ip",
      "homelab:nodes: VM ID 1011",
      "homelab:endpoint.mode",
      "homelab:proxmoxApiToken",
    ]) {
      assert.ok(out.includes(key), `${key} missing from:\n${out}`);
    }
    assert.doesNotMatch(out, /\n\s+at .+\(.+:\d+:\d+\)/, "no stack trace");
    const state = JSON.parse(p.run(["stack", "export", "--stack", "broken"]).stdout);
    const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
    assert.deepEqual(
      types.filter((t: string) => t !== "pulumi:pulumi:Stack"),
      [],
      "nothing but the stack was recorded",
    );
  });

  it("reports a config key nobody reads, as the engine passes it to the program", () => {
    const p = tempProject();
    // a key with a default: the engine itself refuses a missing required key before the program runs
    writeStack(p.dir, "typo", (c) => {
      delete c["homelab:kubePrismPort"];
      c["homelab:kubeprismPort"] = 7446;
      c["homelb:capacityHeadroom"] = 3;
    });
    assert.equal(p.run(["stack", "init", "typo", "--secrets-provider", "passphrase"]).status, 0);
    const preview = p.run(["preview", "--stack", "typo"], { PROXMOX_VE_API_TOKEN: TOKEN });
    const out = preview.stdout + preview.stderr;
    assert.notEqual(preview.status, 0);
    assert.match(out, /homelab:kubeprismPort: is not a setting of this program; nothing reads it/);
    assert.match(out, /did you mean `homelab:kubePrismPort`\?/);
    assert.match(
      out,
      /homelb:capacityHeadroom: namespace "homelb" is not this program's[^\n]*\n\s+fix: did you mean `homelab:capacityHeadroom`\?/,
    );
  });

  it("keeps the Proxmox token a secret: encrypted in the stack file, absent from output and state", () => {
    const p = tempProject();
    assert.equal(p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]).status, 0);
    assert.equal(p.run(["config", "set", "--secret", "homelab:proxmoxApiToken", TOKEN, "--stack", "homelab"]).status, 0);
    const stackFile = fs.readFileSync(path.join(p.dir, "Pulumi.homelab.yaml"), "utf8");
    assert.ok(!stackFile.includes(TOKEN) && /proxmoxApiToken:\s*\n\s+secure:/.test(stackFile), "token stored as ciphertext");
    const preview = p.run(["preview", "--stack", "homelab", "--diff"]);
    assert.ok(!(preview.stdout + preview.stderr).includes(TOKEN), "token not printed");
    const stateFiles = spawnSync("grep", ["-rl", TOKEN, path.join(p.dir, ".pulumi-state")], { encoding: "utf8" });
    assert.equal(stateFiles.stdout, "", "token not in the state backend");
  });
});

describe("workflow lint", () => {
  const actionlint = path.join(BIN, "actionlint");
  it("the pull-request workflow passes actionlint", () => {
    assert.ok(fs.existsSync(actionlint), "actionlint is not built: run tools/setup-tests.sh (npm test runs it first)");
    const r = spawnSync(actionlint, ["-no-color", ".github/workflows/policy-preview.yml"], { cwd: PROJECT_DIR, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
