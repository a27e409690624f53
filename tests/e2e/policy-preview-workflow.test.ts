// The pull-request workflow (.github/workflows/policy-preview.yml) read as GitHub would run it: its
// stack check runs here with the real Pulumi CLI against a file backend, and its setup is judged
// against what the project needs. actionlint judges the whole file (engine.test.ts, "workflow lint").
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";
import { PULUMI, toolchainMissing } from "./engine";

const workflow = parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "policy-preview.yml"), "utf8"));
const steps: any[] = workflow.jobs.preview.steps;
const stackStep = steps.find((s) => s.id === "stack");

/** Runs the workflow's stack check for `stackFile` in `dir`, as the runner would, with `pulumi` on PATH. */
function runStackCheck(dir: string, stackFile: string, env: NodeJS.ProcessEnv = {}) {
  const bin = tempDir("wf-bin");
  fs.symlinkSync(PULUMI, path.join(bin, "pulumi"));
  const output = path.join(dir, "github-output");
  fs.writeFileSync(output, "");
  const r = spawnSync("bash", ["-e", "-c", stackStep.run], {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME,
      PULUMI_HOME: path.join(dir, ".pulumi-home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "wf",
      GITHUB_OUTPUT: output,
      STACK_FILE: stackFile,
      PULUMI_ORG: "",
      ...env,
    },
  });
  const outputs = Object.fromEntries(
    fs
      .readFileSync(output, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=", 2)),
  );
  return { ...r, outputs };
}

/** `pulumi stack init` in the project's file backend. */
function initStack(dir: string, stack: string) {
  const init = spawnSync(PULUMI, ["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"], {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      PULUMI_HOME: path.join(dir, ".pulumi-home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "wf",
    },
  });
  assert.equal(init.status, 0, init.stdout + init.stderr);
}

/** A project with the real Pulumi.yaml, the stack files `files` and their policy configs `configs`. */
function project(files: string[], configs: string[]): string {
  const dir = tempDir("wf-project");
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.mkdirSync(path.join(dir, "state"));
  fs.mkdirSync(path.join(dir, "policies", "config"), { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), path.join(dir, `Pulumi.${f}.yaml`));
  for (const c of configs)
    fs.copyFileSync(path.join(PROJECT_DIR, "policies", "config", "homelab.json"), path.join(dir, "policies", "config", `${c}.json`));
  return dir;
}

describe("pull-request workflow", () => {
  before(() => {
    if (toolchainMissing) assert.fail(toolchainMissing);
  });

  it("installs Node 24 and previews with the pack and the stack's policy config", () => {
    const node = steps.find((s) => String(s.uses).startsWith("actions/setup-node@"));
    assert.equal(String(node.with["node-version"]), "24");
    const preview = steps.find((s) => s.with?.command === "preview");
    assert.equal(preview.if, "steps.stack.outputs.exists == 'true'", "previews only a stack the backend has");
    assert.equal(preview.with["stack-name"], "${{ steps.stack.outputs.ref }}");
    assert.equal(
      preview.with.policyPacks,
      "policies/run-policy-pack",
      "the launcher the tests run (the folder form makes the SDK type-check the pack with ts-node on every pull request)",
    );
    assert.equal(preview.with.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
  });

  it("gives each self-managed backend kind its credentials, and only that kind", () => {
    const aws = steps.find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    assert.equal(aws.if, "startsWith(vars.PULUMI_BACKEND_URL, 's3://')");
    const gcp = steps.find((s) => String(s.uses).startsWith("google-github-actions/auth@"));
    assert.equal(gcp.if, "startsWith(vars.PULUMI_BACKEND_URL, 'gs://')");
    const env = workflow.jobs.preview.env;
    assert.match(env.AZURE_STORAGE_KEY, /^\$\{\{ startsWith\(vars\.PULUMI_BACKEND_URL, 'azblob:\/\/'\) && secrets\.AZURE_STORAGE_KEY/);
    assert.equal(workflow.jobs.preview.permissions["id-token"], "write", "OIDC for role and workload identity");
  });

  it("previews a stack the backend has", () => {
    const dir = project(["prod"], ["prod"]);
    initStack(dir, "prod");
    const r = runStackCheck(dir, "prod");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.outputs, { ref: "prod", exists: "true" });
  });

  it("skips, with a notice, a stack file that was never initialised in the backend (the reference homelab file of a user deploying prod)", () => {
    const dir = project(["homelab", "prod"], ["homelab", "prod"]);
    const r = runStackCheck(dir, "homelab");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.exists, "false");
    assert.match(
      r.stdout,
      /::notice title=not previewed::stack homelab is not in the backend; Pulumi\.homelab\.yaml is previewed once `pulumi stack init homelab` has run/,
    );
  });

  it("selects the organisation's stack when PULUMI_ORG is set (a file backend's one organisation is `organization`)", () => {
    const dir = project(["homelab"], ["homelab"]);
    initStack(dir, "homelab");
    const r = runStackCheck(dir, "homelab", { PULUMI_ORG: "organization" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.outputs, { ref: "organization/homelab", exists: "true" });
  });

  it("fails, not skips, when the backend refuses the stack name for another reason", () => {
    const dir = project(["homelab"], ["homelab"]);
    const r = runStackCheck(dir, "homelab", { PULUMI_ORG: "acme" });
    assert.notEqual(r.status, 0);
    assert.equal(r.outputs.exists, undefined);
    assert.match(r.stdout, /::error title=stack acme\/homelab::error: organization name must be 'organization'/);
  });

  it("fails a stack file without its policy config, saying which file to add", () => {
    const dir = project(["prod"], []);
    const r = runStackCheck(dir, "prod");
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /::error title=policy config missing::Pulumi\.prod\.yaml has no policies\/config\/prod\.json/);
  });
});
