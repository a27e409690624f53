// Benchmark: median wall time of `pulumi preview` of the homelab stack vs. an empty program that loads
// the same provider SDKs and providers, so the program's own cost above the engine floor shows.
//   npx tsx bench/preview.ts [runs=3]
import * as fs from "node:fs";
import * as path from "node:path";
import { missingPlugins, tempProject, toolchainMissing } from "../tests/e2e/engine";

const runs = Math.max(3, Number(process.argv[2] ?? 3));
if (toolchainMissing) {
  console.error(`bench: ${toolchainMissing}`);
  process.exit(2);
}
const TOKEN = { PROXMOX_VE_API_TOKEN: "bench@pam!b=00000000-0000-0000-0000-000000000000" };

const EMPTY_PROGRAM = `import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";
import * as talos from "@pulumiverse/talos";
new proxmox.Provider("proxmox", { endpoint: "https://pve.invalid:8006/" });
new talos.Provider("talos");
new k8s.Provider("k8s", { kubeconfig: "{}" });
new command.Provider("command");
`;

function measure(label: string, program?: string) {
  const p = tempProject();
  if (program) fs.writeFileSync(path.join(p.dir, "index.ts"), program);
  p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]);
  const times: number[] = [];
  let last = "";
  let status: number | null = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = p.run(["preview", "--stack", "homelab"], TOKEN);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    last = r.stdout + r.stderr;
    status = r.status;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const missing = missingPlugins(last);
  console.log(`${label.padEnd(34)} median ${(median / 1000).toFixed(2)} s over ${runs} runs [${times.map((t) => (t / 1000).toFixed(2)).join(", ")}] exit ${status}${missing.length ? ` (stopped at missing plugins: ${missing.join(", ")})` : ""}`);
  return median;
}

const program = measure("homelab program");
const empty = measure("empty program, same providers", EMPTY_PROGRAM);
console.log(`program cost above the engine floor: ${((program - empty) / 1000).toFixed(2)} s`);
