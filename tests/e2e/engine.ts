// Runs the real Pulumi engine (built by tools/setup.sh) on a throwaway copy of the project, so tests
// never touch the working tree, its stack files or its state.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ciliumCrdFile } from "../helpers/judges";
import { PROJECT_DIR, referenceStackConfig } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";
import { commandSchemaFromSdk } from "./command-schema";

export const BIN = path.join(PROJECT_DIR, ".toolchain", "bin");
/** The Pulumi CLI tools/setup.sh chose: its offline build, or the one installed on PATH. */
const TOOLCHAIN = /HOMELAB_TOOLCHAIN=(\w+)/.exec(
  fs.existsSync(path.join(PROJECT_DIR, ".toolchain", "toolchain.env"))
    ? fs.readFileSync(path.join(PROJECT_DIR, ".toolchain", "toolchain.env"), "utf8")
    : "",
)?.[1];
const installedPulumi = () => spawnSync("/bin/sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).stdout.trim();
export const PULUMI = TOOLCHAIN === "installed" ? installedPulumi() : path.join(BIN, "pulumi");
export const toolchainMissing =
  TOOLCHAIN === "installed"
    ? PULUMI
      ? false
      : "setup chose an installed Pulumi CLI, but none is on PATH now: install it or run tools/setup.sh again"
    : fs.existsSync(path.join(BIN, "pulumi")) && fs.existsSync(path.join(BIN, "pulumi-language-nodejs"))
      ? false
      : "the Pulumi toolchain is not built: run tools/setup.sh";

const COPY = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "components", "core", "policies", "sdks", "tools"];
const STACKS = ["homelab", "lab"];

export interface Project {
  dir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], extraEnv?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
}

export function tempProject(): Project {
  const dir = tempDir("homelab-e2e");
  for (const f of COPY)
    fs.cpSync(path.join(PROJECT_DIR, f), path.join(dir, f), {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.includes(".toolchain"),
    });
  // the committed stack config only: a `stack init` in this working tree (salt, secrets provider,
  // encrypted values) belongs to another passphrase
  for (const stack of STACKS)
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringifyYaml({ config: referenceStackConfig(stack) }));
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(PROJECT_DIR, "policies", "node_modules"), path.join(dir, "policies", "node_modules"));
  fs.mkdirSync(path.join(dir, ".pulumi-state"));
  const env: NodeJS.ProcessEnv = {
    PATH: TOOLCHAIN === "installed" ? process.env.PATH : `${BIN}:${process.env.PATH}`,
    HOME: process.env.HOME,
    PULUMI_HOME:
      TOOLCHAIN === "installed"
        ? (process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"))
        : path.join(PROJECT_DIR, ".toolchain", "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state")}`,
    PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
  };
  return {
    dir,
    env,
    run(args, extraEnv = {}) {
      return spawnSync(PULUMI, [...args, "--non-interactive"], {
        cwd: dir,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
        timeout: 600_000,
      });
    },
  };
}

/** Names of resource plugins the engine said it could not find. */
export function missingPlugins(output: string): string[] {
  return [...new Set([...output.matchAll(/no resource plugin 'pulumi-resource-([a-z0-9-]+)'/g)].map((m) => m[1]))];
}

// ---------------------------------------------------------------------------------------------------
// Full-engine tier: the real CLI, the real Proxmox VE provider plugin, the policy pack through
// policies/run-policy-pack, and stand-ins for the three providers that cannot be had offline
// (talos, kubernetes, command; tests/standins). The stand-ins are installed only into a throwaway
// PULUMI_HOME per project, never into .toolchain/pulumi-home.

export const STANDINS = path.join(PROJECT_DIR, ".toolchain", "standins");
const CILIUM_VERSION = /^CILIUM_CRDS_VERSION=(\S+)/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "tools", "versions.env"), "utf8"))?.[1];
// the custom resources the program creates, by the CRD file that defines them
const CILIUM_CRDS = ["ciliumloadbalancerippools.yaml", "ciliuml2announcementpolicies.yaml"];
const PROJECT_PLUGINS = path.join(PROJECT_DIR, ".toolchain", "pulumi-home", "plugins");

/** The plugin name and version an SDK asks the engine for (package.json "pulumi"). */
export function sdkPlugin(pkg: string): { name: string; version: string } {
  const meta = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [PROJECT_DIR] }), "utf8")).pulumi;
  return { name: meta.name, version: meta.version };
}

const PROXMOX = sdkPlugin("@muhlba91/pulumi-proxmoxve");
const STANDIN_SDKS = ["@pulumiverse/talos", "@pulumi/kubernetes", "@pulumi/command"];

function proxmoxPluginDir(): string | undefined {
  const folder = `resource-${PROXMOX.name}-v${PROXMOX.version}`;
  const homes = [PROJECT_PLUGINS, path.join(process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"), "plugins")];
  return homes.map((h) => path.join(h, folder)).find((d) => fs.existsSync(path.join(d, `pulumi-resource-${PROXMOX.name}`)));
}

/** What the full-engine tier lacks, each naming the setup step that provides it (empty: all there). */
export function fullEngineMissing(): string[] {
  const missing: string[] = [];
  if (toolchainMissing) missing.push(`${toolchainMissing} (tools/toolchain/build-pulumi-cli.sh, build-language-nodejs.sh)`);
  if (!proxmoxPluginDir()) {
    missing.push(
      `the Proxmox VE provider plugin ${PROXMOX.version} is not installed: run tools/setup.sh (tools/toolchain/build-proxmox-provider.sh builds it offline into .toolchain/pulumi-home)`,
    );
  }
  if (!fs.existsSync(path.join(STANDINS, "pulumi-resource-standin"))) {
    missing.push(
      "the stand-in provider plugins are not built: run tools/setup-tests.sh (npm test runs it first; it calls tools/toolchain/build-standins.sh)",
    );
  }
  for (const crd of CILIUM_CRDS) {
    try {
      ciliumCrdFile(crd);
    } catch (e) {
      missing.push((e as Error).message);
    }
  }
  return missing;
}

/** Package schema the Kubernetes stand-in judges with: Cilium's CRDs (every served version), nothing else. */
function kubernetesStandinSchema(): object {
  const resources: Record<string, object> = {};
  for (const file of CILIUM_CRDS) {
    const crd = parseYaml(fs.readFileSync(ciliumCrdFile(file), "utf8"));
    for (const v of crd.spec.versions.filter((x: { served: boolean }) => x.served)) {
      const s = v.schema.openAPIV3Schema;
      resources[`kubernetes:${crd.spec.group}/${v.name}:${crd.spec.names.kind}`] = {
        inputProperties: s.properties,
        requiredInputs: s.required ?? [],
        properties: {},
      };
    }
  }
  return { name: "kubernetes", "x-judged-by": `Cilium ${CILIUM_VERSION}'s CRD schemas`, resources, functions: {} };
}

function standinSchema(pkg: string): string {
  switch (pkg) {
    case "@pulumiverse/talos":
      return fs.readFileSync(path.join(PROJECT_DIR, "sdks", "talos", "schema.json"), "utf8");
    case "@pulumi/kubernetes":
      return JSON.stringify(kubernetesStandinSchema());
    case "@pulumi/command":
      return JSON.stringify(commandSchemaFromSdk());
  }
  throw new Error(`no stand-in for ${pkg}`);
}

/**
 * A throwaway PULUMI_HOME with the real Proxmox plugin and the stand-ins, each stand-in next to the
 * schema it judges with. Throws, naming the missing setup step, when something is not built.
 */
export function engineTierPluginHome(dir: string): string {
  const missing = fullEngineMissing();
  if (missing.length > 0) throw new Error(`the full-engine tier cannot run:\n- ${missing.join("\n- ")}`);
  const home = path.join(dir, ".pulumi-home");
  const pve = path.join(home, "plugins", `resource-${PROXMOX.name}-v${PROXMOX.version}`);
  fs.mkdirSync(pve, { recursive: true });
  fs.symlinkSync(path.join(proxmoxPluginDir()!, `pulumi-resource-${PROXMOX.name}`), path.join(pve, `pulumi-resource-${PROXMOX.name}`));
  for (const pkg of STANDIN_SDKS) {
    const { name, version } = sdkPlugin(pkg);
    const d = path.join(home, "plugins", `resource-${name}-v${version}`);
    fs.mkdirSync(d, { recursive: true });
    fs.symlinkSync(path.join(STANDINS, "pulumi-resource-standin"), path.join(d, `pulumi-resource-${name}`));
    fs.writeFileSync(path.join(d, "schema.json"), standinSchema(pkg));
  }
  return home;
}

/** A temporary project for the full-engine tier; `preview` adds the policy pack through its launcher. */
export function engineTierProject(): Project & {
  preview(stack: string, policyConfig: string, extra?: string[], extraEnv?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
} {
  const p = tempProject();
  p.env.PULUMI_HOME = engineTierPluginHome(p.dir);
  return {
    ...p,
    preview(stack, policyConfig, extra = [], extraEnv = {}) {
      return p.run(
        [
          "preview",
          "--stack",
          stack,
          "--policy-pack",
          path.join(p.dir, "policies", "run-policy-pack"),
          "--policy-pack-config",
          policyConfig,
          ...extra,
        ],
        extraEnv,
      );
    },
  };
}

/** Removes a temporary project (tests clean up after themselves). */
export function removeProject(p: Project): void {
  fs.rmSync(p.dir, { recursive: true, force: true });
}
