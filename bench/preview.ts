// Benchmark: a full `pulumi preview` of a fresh homelab stack (the real Proxmox VE provider, stand-ins
// for talos/kubernetes/command, the policy pack through policies/run-policy-pack) against the engine
// floor: an empty program that loads the same providers and the same pack. Median wall time of each,
// and their ratio.
//   npx tsx bench/preview.ts [runs=5]
import * as fs from "node:fs";
import * as path from "node:path";
import { engineTierProject, fullEngineMissing, removeProject } from "../tests/e2e/engine";

const runs = Math.max(5, Number(process.argv[2] ?? 5));
const missing = fullEngineMissing();
if (missing.length > 0) {
  console.error(`bench: cannot run:\n- ${missing.join("\n- ")}`);
  process.exit(2);
}
const TOKEN = { PROXMOX_VE_API_TOKEN: "bench@pam!b=00000000-0000-0000-0000-000000000000" };

// Every provider the program uses, each with one resource so that the engine really starts and
// configures it (a provider object alone is not enough for the default providers), nothing else.
const FLOOR_PROGRAM = `import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "@pulumi/kubernetes";
import * as talos from "@pulumiverse/talos";
import * as command from "@pulumi/command";
const pve = new proxmox.Provider("proxmox", { endpoint: "https://pve.invalid:8006/" });
new proxmox.download.FileLegacy("image", { nodeName: "pve1", datastoreId: "local", contentType: "iso",
  fileName: "floor.img", url: "https://factory.talos.dev/floor.raw.gz", decompressionAlgorithm: "gz" }, { provider: pve });
new talos.machine.Secrets("secrets", { talosVersion: "v1.11.5" });
const cluster = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\\nkind: Config\\n" });
new k8s.apiextensions.CustomResource("pool", { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool",
  metadata: { name: "floor" }, spec: { blocks: [{ start: "192.168.0.201", stop: "192.168.0.210" }] } }, { provider: cluster });
new command.local.Command("noop", { create: "true" });
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function measure(label: string, program?: string): number {
  const p = engineTierProject();
  try {
    if (program) {
      fs.writeFileSync(path.join(p.dir, "index.ts"), program);
      // the floor declares no stack config of its own
      fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), "name: homelab\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    }
    p.run(["stack", "init", "homelab", "--secrets-provider", "passphrase"]);
    let config = path.join(p.dir, "policies", "config", "homelab.json");
    if (program) {
      // The floor has no cluster, so the pack would refuse it; levelled advisory, every policy still runs.
      config = path.join(p.dir, "floor-policy.json");
      fs.writeFileSync(config, JSON.stringify({ all: "advisory" }));
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = p.preview("homelab", config, [], TOKEN);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 0) throw new Error(`${label}: preview failed:\n${r.stdout}\n${r.stderr}`);
    }
    const m = median(times);
    // the first preview of a fresh stack is slower (cold caches); the median is of all runs
    console.log(`${label.padEnd(50)} median ${(m / 1000).toFixed(2)} s over ${runs} runs [${times.map((t) => (t / 1000).toFixed(2)).join(", ")}]`);
    return m;
  } finally {
    removeProject(p);
  }
}

const full = measure("homelab: full preview (program, pack)");
const floor = measure("engine floor: same plugins and pack, 5 resources", FLOOR_PROGRAM);
console.log(`ratio full/floor: ${(full / floor).toFixed(2)} (program cost above the floor: ${((full - floor) / 1000).toFixed(2)} s)`);
