// The one rule for which talosctl the project runs ($TALOSCTL, the project's build, the PATH), in its
// two forms: TypeScript (day-2 runner, program, preflight, tests) and sh (the node-removal step). Both
// are run here in throwaway project folders with stand-in talosctl scripts, and must pick the same one.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { BUILT_TALOSCTL, findTalosctl, locateTalosctl, TALOSCTL_SHELL_LOOKUP } from "../../core/day2/find-talosctl";
import { NODE_OBJECT_DELETE_SCRIPT } from "../../core/talos/node-removal";
import { tempDir } from "../helpers/tmp";

/** A stand-in talosctl that answers `version --client` as talosctl does (a `Tag:` line), or fails. */
function fakeTalosctl(file: string, tag?: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = tag ? `printf 'Client:\\n\\tTag:         ${tag}\\n'` : "exit 3";
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A project folder, with or without its own talosctl build. */
function project(withBuild: boolean, tag = "v1.12.1"): string {
  const dir = tempDir("find-talosctl");
  if (withBuild) fakeTalosctl(path.join(dir, BUILT_TALOSCTL), tag);
  return dir;
}

/** What the sh form sets TALOSCTL to, run from the project folder as the node-removal step runs. */
function shellPick(projectDir: string, talosctl?: string): string {
  const env = { PATH: process.env.PATH, ...(talosctl !== undefined ? { TALOSCTL: talosctl } : {}) };
  const r = spawnSync("/bin/sh", ["-c", `set -eu\n${TALOSCTL_SHELL_LOOKUP}\nprintf '%s' "$TALOSCTL"`], {
    cwd: projectDir,
    env,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("which talosctl the project runs", () => {
  it("$TALOSCTL first, as given (a step fails on it rather than quietly running another)", () => {
    const dir = project(true);
    assert.equal(locateTalosctl(dir, { TALOSCTL: "/opt/talosctl-1.13" }), "/opt/talosctl-1.13");
    assert.equal(shellPick(dir, "/opt/talosctl-1.13"), "/opt/talosctl-1.13");
  });

  it("else the project's build, else `talosctl` from the PATH; the sh form picks the same", () => {
    const built = project(true);
    assert.equal(locateTalosctl(built, {}), path.join(built, ".toolchain", "bin", "talosctl"));
    assert.equal(shellPick(built), ".toolchain/bin/talosctl");
    const bare = project(false);
    assert.equal(locateTalosctl(bare, {}), "talosctl");
    assert.equal(shellPick(bare), "talosctl");
    // an empty TALOSCTL counts as unset in both forms
    assert.equal(locateTalosctl(built, { TALOSCTL: "" }), path.join(built, ".toolchain", "bin", "talosctl"));
    assert.equal(shellPick(built, ""), ".toolchain/bin/talosctl");
  });

  it("the node-removal step carries the sh form", () => {
    assert.ok(NODE_OBJECT_DELETE_SCRIPT.includes(TALOSCTL_SHELL_LOOKUP));
  });

  it("the checks take the first candidate that runs, with its version", () => {
    const dir = project(true, "v1.12.1");
    const own = fakeTalosctl(path.join(tempDir("own-talosctl"), "talosctl"), "v1.13.0");
    assert.deepEqual(findTalosctl(dir, { TALOSCTL: own }), { path: own, version: "v1.13.0" });
    // a $TALOSCTL that does not run: the project's build answers
    const broken = fakeTalosctl(path.join(tempDir("broken-talosctl"), "talosctl"));
    assert.deepEqual(findTalosctl(dir, { TALOSCTL: broken }), { path: path.join(dir, BUILT_TALOSCTL), version: "v1.12.1" });
  });
});
