// tools/toolchain/install-node.sh and tools/node-env.sh: a supported Node on PATH (22.9+, 24+) is used as
// it is; an older one gets Node $NODE_VERSION from the npm registry in .toolchain/node, which node-env.sh
// then puts first on PATH. Run on a copy of tools/ with a stand-in `node` (any version) and a stand-in
// `npm` that records its arguments and lays out what the npm package `node` installs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";

const NODE_VERSION = /^NODE_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "tools", "versions.env"), "utf8"))![1];

function sandbox(systemNode: string | undefined) {
  const dir = tempDir("install-node");
  fs.cpSync(path.join(PROJECT_DIR, "tools"), path.join(dir, "tools"), { recursive: true });
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  if (systemNode) script("node", `[ "$1" = --version ] && echo "v${systemNode}"`);
  // what `npm install --prefix <dir> node@<v>` leaves: <dir>/node_modules/node/bin/node
  script(
    "npm",
    `echo "npm $*" >> "${dir}/npm.log"
prefix=""; spec=""
while [ $# -gt 0 ]; do case "$1" in --prefix) prefix="$2"; shift;; node@*) spec="$1";; esac; shift; done
mkdir -p "$prefix/node_modules/node/bin"
printf '#!/bin/sh\\necho v%s\\n' "\${spec#node@}" > "$prefix/node_modules/node/bin/node"
chmod +x "$prefix/node_modules/node/bin/node"`,
  );
  const tools = ["bash", "sh", "sed", "tr", "grep", "paste", "mkdir", "rm", "ln", "cat", "dirname", "chmod"];
  for (const t of tools) {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).stdout.trim();
    if (found.startsWith("/")) fs.symlinkSync(found, path.join(bin, t));
  }
  const env = { PATH: bin, HOME: dir };
  const run = (cmd: string) => spawnSync("bash", ["-c", cmd], { cwd: dir, env, encoding: "utf8" });
  const npmCalls = () =>
    fs.existsSync(path.join(dir, "npm.log")) ? fs.readFileSync(path.join(dir, "npm.log"), "utf8").trim().split("\n") : [];
  return { dir, run, npmCalls };
}

describe("Node.js for the project", () => {
  it("an older system Node (20): Node $NODE_VERSION from the npm registry into .toolchain/node, and node-env puts it first", () => {
    const s = sandbox("20.20.2");
    const r = s.run("bash tools/toolchain/install-node.sh");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /Node\.js 20\.20\.2 on PATH is older than this project needs \(22\.9\+ or 24\+\); using Node [\d.]+ from the npm registry/,
    );
    assert.equal(s.npmCalls().length, 1);
    assert.match(s.npmCalls()[0], new RegExp(`--prefix ${s.dir}/.toolchain/node .*node@${NODE_VERSION.replace(/\./g, "\\.")}`));
    assert.equal(s.run(". tools/node-env.sh; node --version").stdout.trim(), `v${NODE_VERSION}`);
    // a second run finds it installed and asks npm for nothing
    assert.equal(s.run("bash tools/toolchain/install-node.sh").status, 0);
    assert.equal(s.npmCalls().length, 1);
  });

  it("22.8 is too old as well (npm's own libraries that @pulumi/pulumi loads need 22.9+)", () => {
    const s = sandbox("22.8.0");
    assert.equal(s.run("bash tools/toolchain/install-node.sh").status, 0);
    assert.equal(s.npmCalls().length, 1);
  });

  for (const own of ["22.9.0", "24.21.0", "26.1.0"]) {
    it(`your own Node ${own} is used as it is: nothing installed, an earlier .toolchain/node removed, node-env leaves PATH alone`, () => {
      const s = sandbox(own);
      fs.mkdirSync(path.join(s.dir, ".toolchain", "node", "bin"), { recursive: true });
      fs.writeFileSync(path.join(s.dir, ".toolchain", "node", "bin", "node"), "#!/bin/sh\necho v0.0.0-stale\n", { mode: 0o755 });
      const r = s.run("bash tools/toolchain/install-node.sh");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`setup: Node\\.js ${own.replace(/\./g, "\\.")}`));
      assert.deepEqual(s.npmCalls(), []);
      assert.ok(!fs.existsSync(path.join(s.dir, ".toolchain", "node")));
      assert.equal(s.run(". tools/node-env.sh; node --version").stdout.trim(), `v${own}`);
    });
  }

  it("node-env keeps a supported Node a caller put first (CI's Node 22 run), even with .toolchain/node present", () => {
    const s = sandbox("20.20.2");
    assert.equal(s.run("bash tools/toolchain/install-node.sh").status, 0);
    const ci22 = path.join(s.dir, "node22", "bin");
    fs.mkdirSync(ci22, { recursive: true });
    fs.writeFileSync(path.join(ci22, "node"), "#!/bin/sh\necho v22.23.3\n", { mode: 0o755 });
    assert.equal(s.run(`PATH="${ci22}:$PATH"; . tools/node-env.sh; node --version`).stdout.trim(), "v22.23.3");
  });

  it("no Node and no npm: a clear error", () => {
    const s = sandbox(undefined);
    fs.rmSync(path.join(s.dir, "bin", "npm"));
    const r = s.run("bash tools/toolchain/install-node.sh");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /npm is needed to fetch Node [\d.]+ \(or install Node 22 or 24 yourself\)/);
  });
});
