// `npm run preflight -- <stack> [--json] [--out DIR]`: checks a stack file without the engine,
// Proxmox or the network. Exit 0 clean, 1 on mandatory problems, 2 on unreadable input.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { buildPlan, credentialEnv, hasProxmoxCredentials } from "../core/plan/build-plan";
import { readPolicyConfig, readStackConfig, StackFileError } from "../core/plan/stack-file";
import { datastoreContentNotes } from "../core/plan/storage";
import { pveumCommands } from "../core/plan/proxmox-access";
import { mermaidDiagram, svgDiagram } from "./diagram";
import { buildReport } from "./report";
import { thresholdsFromPolicyConfig } from "../core/rules/policy-config";
import { renderText } from "./render-text";
import { day2Checks, DeployedFileError, findTalosctl, readDeployed } from "./day2";

export function main(argv: string[], projectDir = path.resolve(__dirname, "..")): { code: number; stdout: string; stderr: string } {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        out: { type: "string", default: "out" },
        deployed: { type: "string" },
        pveum: { type: "boolean", default: false },
        privsep: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    return {
      code: 2,
      stdout: "",
      stderr: `preflight: ${(e as Error).message}\nusage: npm run preflight -- <stack> [--json] [--out DIR] [--deployed FILE] [--pveum [--privsep]]\n`,
    };
  }
  const stack = args.positionals[0];
  if (!stack)
    return {
      code: 2,
      stdout: "",
      stderr: "usage: npm run preflight -- <stack> [--json] [--out DIR] [--deployed FILE] [--pveum [--privsep]]\n",
    };
  let sc, policyConfig, deployed;
  try {
    sc = readStackConfig(projectDir, stack);
    policyConfig = readPolicyConfig(projectDir, stack);
    if (args.values.deployed) deployed = readDeployed(path.resolve(projectDir, args.values.deployed as string));
  } catch (e) {
    if (e instanceof StackFileError || e instanceof SyntaxError || e instanceof DeployedFileError)
      return { code: 2, stdout: "", stderr: `preflight: ${(e as Error).message}\n` };
    throw e;
  }
  const env = credentialEnv(process.env);
  const result = buildPlan({
    stack,
    config: sc.values,
    otherKeys: sc.otherKeys,
    secretsPresent: sc.secretsPresent,
    policyConfig,
    checkCredentials: false,
    env,
  });
  // the Proxmox user, roles, ACLs and token this stack needs, as commands to run on a Proxmox host
  if (args.values.pveum && result.ok)
    return { code: 0, stdout: `${pveumCommands(result.plan, { privsep: args.values.privsep as boolean }).join("\n")}\n`, stderr: "" };
  const notes: string[] = [];
  if (!hasProxmoxCredentials({ secretsPresent: sc.secretsPresent, env })) {
    notes.push(
      "Proxmox credentials are not set yet: before `pulumi up`, run `pulumi config set --secret homelab:proxmoxApiToken ...` or export PROXMOX_VE_API_TOKEN",
    );
  }
  // version steps against the deployed state, talosctl presence and skew
  const day2 = result.ok ? day2Checks(result.plan, deployed, findTalosctl(projectDir)) : { problems: [], advisories: [], notes: [] };
  notes.push(...day2.notes);
  // the stack file names storages, not their types: say what each must offer before Proxmox refuses
  if (result.ok) notes.push(...datastoreContentNotes(result.plan));
  const report = result.ok
    ? buildReport(
        stack,
        result.plan,
        day2.problems,
        [...result.findings, ...day2.advisories],
        notes,
        thresholdsFromPolicyConfig(policyConfig).storage.replicas,
      )
    : buildReport(
        stack,
        undefined,
        result.problems,
        result.findings.filter((f) => f.severity === "advisory"),
        notes,
      );
  const files: string[] = [];
  if (result.ok) {
    const dir = path.resolve(projectDir, args.values.out as string);
    fs.mkdirSync(dir, { recursive: true });
    const svg = path.join(dir, `${stack}-network.svg`);
    const mmd = path.join(dir, `${stack}-network.mmd`);
    fs.writeFileSync(svg, svgDiagram(result.plan, report.storage));
    fs.writeFileSync(mmd, mermaidDiagram(result.plan, report.storage));
    files.push(svg, mmd);
  }
  const stdout = args.values.json
    ? `${JSON.stringify({ ...report, files, mermaid: result.ok ? mermaidDiagram(result.plan, report.storage) : undefined }, null, 2)}\n`
    : renderText(report, files);
  return { code: report.ok ? 0 : 1, stdout, stderr: "" };
}

if (require.main === module) {
  const r = main(process.argv.slice(2), process.cwd());
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
