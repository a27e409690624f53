// A pull request that removes a node is previewed on a runner without talosctl or kubectl. The
// program's tool check refuses only `pulumi up` (which runs the removal); a preview warns. Judged with
// the real CLI and engine on a stack whose last `deployed` output lists one node more than its file.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { deployedStateOf } from "../../core/deployed/state";
import { stackPlan } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";
import { BIN, engineTierProject, removeProject } from "./engine";

const TOKEN = "e2e@pam!ci=6d1f0a3e-4c55-4b7e-9a57-2f7c1e0b9d42";
const projects: ReturnType<typeof engineTierProject>[] = [];
after(() => {
  for (const p of projects) removeProject(p);
});

/** A PATH with node and the language host only: no talosctl, no kubectl, whatever the machine has. */
function pathWithoutTools(): string {
  const bin = tempDir("no-tools-bin");
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  fs.symlinkSync(path.join(BIN, "pulumi-language-nodejs"), path.join(bin, "pulumi-language-nodejs"));
  return bin;
}

/** Stack `homelab` of project p, whose backend records a last `up` that deployed talos-wrk-05 too. */
function stackWithRemovedNode(p: ReturnType<typeof engineTierProject>) {
  const init = p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]);
  assert.equal(init.status, 0, init.stdout + init.stderr);
  const exported = p.run(["stack", "export", "--stack", "homelab"]);
  assert.equal(exported.status, 0, exported.stderr);
  const doc = JSON.parse(exported.stdout);
  const deployed = deployedStateOf(stackPlan("homelab"));
  deployed.nodes!.push({ name: "talos-wrk-05", role: "worker", ip: "192.168.0.18", vmId: 1018, host: "pve1", cpu: 8, memoryGiB: 16 });
  doc.deployment.resources = [
    {
      urn: "urn:pulumi:homelab::homelab::pulumi:pulumi:Stack::homelab-homelab",
      custom: false,
      type: "pulumi:pulumi:Stack",
      outputs: { deployed },
    },
  ];
  const file = path.join(p.dir, "state.json");
  fs.writeFileSync(file, JSON.stringify(doc));
  const imported = p.run(["stack", "import", "--stack", "homelab", "--file", file]);
  assert.equal(imported.status, 0, imported.stdout + imported.stderr);
}

describe("node removal on a machine without talosctl and kubectl", () => {
  it("a preview passes and warns; `pulumi up` refuses before anything changes", () => {
    const p = engineTierProject();
    projects.push(p);
    stackWithRemovedNode(p);
    const env = { PROXMOX_VE_API_TOKEN: TOKEN, PATH: pathWithoutTools(), TALOSCTL: "" };

    const preview = p.run(["preview", "--stack", "homelab"], env);
    const previewOut = preview.stdout + preview.stderr;
    assert.equal(preview.status, 0, previewOut);
    assert.match(
      previewOut,
      /`pulumi up` will refuse this change where these tools are missing: removing talos-wrk-05 needs talosctl and kubectl on this machine/,
    );
    assert.doesNotMatch(previewOut, /the stack config has \d+ problem/);

    const up = p.run(["up", "--yes", "--skip-preview", "--stack", "homelab"], env);
    const upOut = up.stdout + up.stderr;
    assert.notEqual(up.status, 0, upOut);
    assert.match(upOut, /homelab:nodes: removing talos-wrk-05 needs talosctl and kubectl on this machine/);
    assert.match(upOut, /homelab:versions\.talos: `pulumi up` runs the day-2 steps/);
    const state = JSON.parse(p.run(["stack", "export", "--stack", "homelab"]).stdout);
    const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
    // only the engine's own records (the stack, and the StackReference the program reads `deployed` with)
    assert.deepEqual(
      types.filter((t: string) => !t.startsWith("pulumi:")),
      [],
      "no resource was created",
    );
  });
});
