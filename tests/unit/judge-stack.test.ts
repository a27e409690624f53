// The quickstart's policy step: the real program, run for a stack under preview-mode mocks, judged by
// every policy through CrossGuard's proxy (policies/judge-stack.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { PROJECT_DIR } from "../helpers/stacks";

const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const temps: string[] = [];
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the program whose stack file `stack` is the homelab one, edited by `edit`. */
function projectWith(stack: string, edit: (config: Record<string, any>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "judge-stack-"));
  temps.push(dir);
  for (const f of ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "components", "core", "policies"]) {
    fs.cpSync(path.join(PROJECT_DIR, f), path.join(dir, f), { recursive: true, filter: (src) => !src.includes("node_modules") });
  }
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(PROJECT_DIR, "policies", "node_modules"), path.join(dir, "policies", "node_modules"));
  const file = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), "utf8"));
  edit(file.config);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(file));
  fs.copyFileSync(path.join(PROJECT_DIR, "policies", "config", "homelab.json"), path.join(dir, "policies", "config", `${stack}.json`));
  return dir;
}

const judge = (dir: string, stack: string) =>
  spawnSync(TSX, [path.join(dir, "policies", "judge-stack.ts"), stack], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, PROXMOX_VE_API_TOKEN: "" },
  });

describe("policy pack on the program's first-preview resources", () => {
  it("decides every policy for the homelab stack, and all pass", () => {
    const r = judge(PROJECT_DIR, "homelab");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.split("\n").filter((l) => /^ {2}\S/.test(l));
    assert.ok(lines.length >= 9, r.stdout);
    // the reference plan's one advisory: its OSD sizes differ (500/500/250/250 GB)
    for (const l of lines) assert.match(l, /^ {2}storage-advice\s+advisory$|\spassed$/, `every policy decided and passed: ${l}`);
    assert.match(r.stdout, /storage-advice\s+advisory\n\s+- OSD sizes differ/);
  });

  it("a fourth control plane is refused before any resource is judged, naming the key", () => {
    const dir = projectWith("four", (c) => {
      c["homelab:nodes"].push({
        name: "talos-cp-04",
        role: "controlplane",
        ip: "192.168.0.18",
        vmId: 1018,
        host: "pve2",
        cpu: 4,
        memoryGiB: 8,
        osDiskGB: 50,
      });
    });
    const r = judge(dir, "four");
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /homelab:nodes: 4 control planes/);
  });
});
