// Runs the real Pulumi engine (built by tools/setup.sh) on a throwaway copy of the project, so tests
// never touch the working tree, its stack files or its state.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../helpers/stacks";

export const BIN = path.join(PROJECT_DIR, ".toolchain", "bin");
export const toolchainMissing = fs.existsSync(path.join(BIN, "pulumi")) && fs.existsSync(path.join(BIN, "pulumi-language-nodejs"))
  ? false : "the Pulumi toolchain is not built: run tools/setup.sh";

const COPY = ["Pulumi.yaml", "Pulumi.homelab.yaml", "Pulumi.lab.yaml", "index.ts", "package.json", "tsconfig.json", "components", "core", "policies", "sdks"];

export interface Project { dir: string; env: NodeJS.ProcessEnv; run(args: string[], extraEnv?: NodeJS.ProcessEnv): SpawnSyncReturns<string> }

export function tempProject(): Project {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-e2e-"));
  for (const f of COPY) fs.cpSync(path.join(PROJECT_DIR, f), path.join(dir, f), { recursive: true, filter: (src) => !src.includes("node_modules") });
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(PROJECT_DIR, "policies", "node_modules"), path.join(dir, "policies", "node_modules"));
  fs.mkdirSync(path.join(dir, ".pulumi-state"));
  const env: NodeJS.ProcessEnv = {
    PATH: `${BIN}:${process.env.PATH}`,
    HOME: process.env.HOME,
    PULUMI_HOME: path.join(PROJECT_DIR, ".toolchain", "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state")}`,
    PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
  };
  return {
    dir, env,
    run(args, extraEnv = {}) {
      return spawnSync(path.join(BIN, "pulumi"), [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...extraEnv }, encoding: "utf8", timeout: 600_000 });
    },
  };
}

/** Names of resource plugins the engine said it could not find. */
export function missingPlugins(output: string): string[] {
  return [...new Set([...output.matchAll(/no resource plugin 'pulumi-resource-([a-z0-9-]+)'/g)].map((m) => m[1]))];
}
