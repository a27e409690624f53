// tools/setup.sh with a Pulumi CLI on PATH (a normal install) uses it and builds nothing from Go; the
// offline path is chosen only without one. Run on a copy of the project with stand-in `pulumi`, `go`
// and `talosctl` that record their calls, so nothing real is built or downloaded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";

function projectCopy(): string {
  const dir = tempDir("setup");
  for (const f of ["package.json", "package-lock.json", "tools", "sdks", "policies"]) {
    // timestamps kept: setup sees the dependencies as installed and never runs npm ci here
    fs.cpSync(path.join(PROJECT_DIR, f), path.join(dir, f), {
      recursive: true,
      preserveTimestamps: true,
      filter: (src) => !/node_modules|\.toolchain/.test(path.relative(PROJECT_DIR, src)),
    });
  }
  // The copy shares the real dependency folders. An `npm ci` through these links would empty them, so
  // refuse to run unless setup's own freshness check (lock file older than the install) holds.
  for (const d of [".", "policies"]) {
    const installed = fs.statSync(path.join(PROJECT_DIR, d, "node_modules", ".package-lock.json")).mtimeMs;
    assert.ok(
      installed > fs.statSync(path.join(dir, d, "package-lock.json")).mtimeMs,
      `${d}: npm dependencies older than the lock file: run tools/setup.sh first`,
    );
    fs.symlinkSync(path.join(PROJECT_DIR, d, "node_modules"), path.join(dir, d, "node_modules"));
  }
  return dir;
}

/** The system tools setup.sh uses, linked into one folder so nothing else on the machine's PATH is seen. */
const SYSTEM_TOOLS = [
  "bash",
  "sh",
  "cat",
  "sed",
  "sort",
  "head",
  "printf",
  "mkdir",
  "find",
  "tr",
  "timeout",
  "date",
  "grep",
  "cp",
  "rm",
  "mv",
  "dirname",
  "env",
  "sha256sum",
  "cut",
  "paste",
  "xargs",
  "ls",
  "mktemp",
  "chmod",
  "basename",
  "uname",
  "node",
  "npm",
  "npx",
];
function systemBin(dir: string): string {
  const bin = path.join(dir, "system-bin");
  fs.mkdirSync(bin);
  for (const tool of SYSTEM_TOOLS) {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found.startsWith("/")) fs.symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

/** Stand-in commands that log their arguments; `pulumi version` answers `version`. */
function fakeBin(dir: string, pulumiVersion: string | undefined): string {
  const bin = path.join(dir, "fake-bin");
  fs.mkdirSync(bin);
  const log = path.join(dir, "calls.log");
  const tool = (name: string, body: string) => {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
    fs.chmodSync(path.join(bin, name), 0o755);
  };
  if (pulumiVersion) tool("pulumi", `[ "$1" = version ] && echo "v${pulumiVersion}"\n[ "$1" = whoami ] && exit 1\nexit 0`);
  tool("go", "exit 1");
  return bin;
}

function runSetup(pulumiVersion: string | undefined) {
  const dir = projectCopy();
  const bin = fakeBin(dir, pulumiVersion);
  // the fakes and the system tools only: no real pulumi, go or talosctl, wherever they are installed
  const r = spawnSync("bash", ["tools/setup.sh"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { HOME: process.env.HOME, PATH: `${bin}:${systemBin(dir)}` },
  });
  const calls = fs.existsSync(path.join(dir, "calls.log")) ? fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n") : [];
  const toolchain = fs.existsSync(path.join(dir, ".toolchain", "toolchain.env"))
    ? fs.readFileSync(path.join(dir, ".toolchain", "toolchain.env"), "utf8").trim()
    : "";
  return { ...r, calls, toolchain };
}

describe("tools/setup.sh", () => {
  it("with a Pulumi CLI on PATH at least as new as the SDK: uses it, builds nothing from Go, installs plugins the normal way", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")).version;
    const r = runSetup(sdk);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.toolchain, "HOMELAB_TOOLCHAIN=installed");
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith("go ")),
      [],
      "no Go at all",
    );
    for (const plugin of ["talos 0.8.1", "proxmoxve 8.6.0", "kubernetes 4.34.2", "command 1.2.1"]) {
      assert.ok(
        r.calls.some((c) => c.startsWith(`pulumi plugin install resource ${plugin}`)),
        `${plugin} via pulumi plugin install:\n${r.calls.join("\n")}`,
      );
    }
    assert.match(
      r.stdout,
      /talosctl is not on PATH: day-2 operations need it; install the talosctl release of your stack's versions.talos/,
    );
  });

  it("with an older Pulumi CLI: says so and takes the offline path (which needs Go)", () => {
    const r = runSetup("3.100.0");
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /the installed Pulumi CLI 3\.100\.0 is older than the SDK/);
    assert.ok(
      r.calls.some((c) => c.startsWith("go ")),
      "the offline build starts with Go",
    );
  });

  it("with no Pulumi CLI and no Go: a clear error naming both ways out", () => {
    const dir = projectCopy();
    const r = spawnSync("bash", ["tools/setup.sh"], { cwd: dir, encoding: "utf8", env: { HOME: process.env.HOME, PATH: systemBin(dir) } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no Pulumi CLI >= [\d.]+ on PATH, and no Go to build one: install Pulumi .* or Go 1\.24\+/);
  });
});
