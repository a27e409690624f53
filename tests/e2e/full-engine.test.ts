// Full-engine tier: `pulumi preview` of fresh stacks with the real CLI, the real Proxmox VE provider
// plugin, the policy pack started through policies/run-policy-pack, and stand-in plugins for talos,
// kubernetes and command (tests/standins) installed into each project's throwaway PULUMI_HOME.
// Nothing is skipped: when a piece is not built, every test fails naming the setup step.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { engineTierProject, fullEngineMissing, removeProject } from "./engine";

const TOKEN = "e2e@pam!ci=6d1f0a3e-4c55-4b7e-9a57-2f7c1e0b9d42";
const projects: ReturnType<typeof engineTierProject>[] = [];

function project() {
  const p = engineTierProject();
  projects.push(p);
  return p;
}

/** A new stack `name` in project p: the homelab stack file with `edit` applied. */
function newStack(p: ReturnType<typeof project>, name: string, edit: (config: Record<string, any>) => void = () => {}) {
  const doc = parse(fs.readFileSync(path.join(p.dir, "Pulumi.homelab.yaml"), "utf8"));
  edit(doc.config);
  fs.writeFileSync(path.join(p.dir, `Pulumi.${name}.yaml`), stringify(doc));
  const init = p.run(["stack", "init", name, "--secrets-provider", "passphrase"]);
  assert.equal(init.status, 0, init.stdout + init.stderr);
}

/**
 * The program judges its stack config with the same shared rules before it creates anything, so a
 * stack that breaks a mandatory rule never reaches the pack. To see the pack itself judge the
 * resources of a first preview, the program's copy of `rule` is levelled advisory for this stack
 * (policies/config/<stack>.json, which the program reads), while the pack gets the strict homelab
 * config. The program then only warns, and the refusal must come from the pack.
 */
function packOnly(p: ReturnType<typeof project>, stack: string, rule: string): string {
  const strict = JSON.parse(fs.readFileSync(path.join(p.dir, "policies", "config", "homelab.json"), "utf8"));
  const relaxed = { ...strict, [rule]: typeof strict[rule] === "object" ? { ...strict[rule], enforcementLevel: "advisory" } : "advisory" };
  fs.writeFileSync(path.join(p.dir, "policies", "config", `${stack}.json`), JSON.stringify(relaxed, null, 2));
  const packConfig = path.join(p.dir, "pack-strict.json");
  fs.writeFileSync(packConfig, JSON.stringify(strict, null, 2));
  return packConfig;
}

function assertRefusedByPack(out: string, status: number | null, rule: string) {
  assert.notEqual(status, 0, out);
  assert.doesNotMatch(out, /the stack config has \d+ problem/, "the program itself must not be the one refusing");
  assert.match(out, /❌ homelab@v[\d.]+ \(local: .*run-policy-pack\)/, `the pack reports a violation:\n${out}`);
  assert.match(out, new RegExp(`- \\[mandatory\\](?: \\[severity: \\w+\\])?\\s+${rule}\\b`), `the pack's ${rule} policy refuses:\n${out}`);
}

describe("full engine: real CLI, real Proxmox provider, policy pack, stand-ins", () => {
  after(() => {
    for (const p of projects) removeProject(p);
  });

  it("has everything it needs built", () => {
    assert.deepEqual(fullEngineMissing(), []);
  });

  it("previews a fresh homelab stack: the Proxmox provider accepts every VM and download, the pack passes", () => {
    const p = project();
    newStack(p, "homelab");
    const config = path.join(p.dir, "policies", "config", "homelab.json");
    const r = p.preview("homelab", config, ["--json"], { PROXMOX_VE_API_TOKEN: TOKEN });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const preview = JSON.parse(r.stdout);
    const creates = (type: string) => preview.steps.filter((s: any) => s.op === "create" && s.newState?.type === type);
    const vms = creates("proxmoxve:index/vmLegacy:VmLegacy");
    assert.equal(vms.length, 7, "one VM per node");
    const downloads = preview.steps.filter(
      (s: any) => s.op === "create" && /^proxmoxve:download\/file(Legacy)?:File(Legacy)?$/.test(s.newState?.type),
    );
    assert.equal(downloads.length, 3, "one image download per host and datastore");
    // The real provider's Check judged each VM: it filled in defaults the program never sets.
    for (const vm of vms) {
      assert.ok(vm.newState.inputs.__defaults.includes("timeoutCreate"), JSON.stringify(vm.newState.inputs));
      assert.equal(vm.newState.inputs.timeoutCreate, 1800);
    }
    assert.deepEqual(
      (preview.diagnostics ?? []).filter((d: any) => d.severity === "error"),
      [],
    );
    // The same preview in text form lists the pack as run and passed (the JSON form leaves policies out),
    // with the reference plan's one advisory: its OSD sizes differ (500/500/250/250 GB).
    const text = p.preview("homelab", config, [], { PROXMOX_VE_API_TOKEN: TOKEN });
    assert.equal(text.status, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /Policies:\s+⚠️ homelab@v[\d.]+ \(local: .*run-policy-pack\)/);
    assert.match(text.stdout, /\[advisory\](?: \[severity: \w+\])?\s+storage-advice\b/);
    assert.doesNotMatch(text.stdout, /\[mandatory\]/);
  });

  it("refuses a fresh stack with 4 control planes on its first preview: odd-control-plane-count", () => {
    const p = project();
    newStack(p, "four", (c) => {
      c["homelab:nodes"].splice(3, 0, {
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
    const r = p.preview("four", packOnly(p, "four", "odd-control-plane-count"), [], { PROXMOX_VE_API_TOKEN: TOKEN });
    assertRefusedByPack(r.stdout + r.stderr, r.status, "odd-control-plane-count");
  });

  it("refuses an undersized control plane on a fresh stack's first preview: recommended-sizing", () => {
    const p = project();
    newStack(p, "small", (c) => {
      c["homelab:nodes"][1].memoryGiB = 4;
    });
    const r = p.preview("small", packOnly(p, "small", "recommended-sizing"), [], { PROXMOX_VE_API_TOKEN: TOKEN });
    assertRefusedByPack(r.stdout + r.stderr, r.status, "recommended-sizing");
    assert.match(r.stdout, /talos-cp-02/);
  });

  it("refuses a pod network overlapping the node network on a fresh stack's first preview: non-overlapping-networks", () => {
    const p = project();
    newStack(p, "overlap", (c) => {
      c["homelab:network"].podCidr = "192.168.0.0/16";
    });
    const r = p.preview("overlap", packOnly(p, "overlap", "non-overlapping-networks"), [], { PROXMOX_VE_API_TOKEN: TOKEN });
    assertRefusedByPack(r.stdout + r.stderr, r.status, "non-overlapping-networks");
  });

  it("refuses Ceph OSD VMs that all sit on one Proxmox host on a fresh stack's first preview: storage-plan", () => {
    const p = project();
    newStack(p, "onehost", (c) => {
      for (const n of c["homelab:nodes"]) if (n.dataDisksGB) n.host = "pve1";
    });
    const r = p.preview("onehost", packOnly(p, "onehost", "storage-plan"), [], { PROXMOX_VE_API_TOKEN: TOKEN });
    assertRefusedByPack(r.stdout + r.stderr, r.status, "storage-plan");
    assert.match(r.stdout, /OSD nodes sit on 1 Proxmox host/);
  });

  it("keeps the Proxmox token and the machine secrets out of the preview output, the state and the checkpoint", () => {
    const p = project();
    newStack(p, "homelab");
    const set = p.run(["config", "set", "--secret", "homelab:proxmoxApiToken", TOKEN, "--stack", "homelab"]);
    assert.equal(set.status, 0, set.stderr);
    const config = path.join(p.dir, "policies", "config", "homelab.json");
    const text = p.preview("homelab", config, ["--diff"]);
    const json = p.preview("homelab", config, ["--json"]);
    assert.equal(text.status, 0, text.stdout + text.stderr);
    assert.equal(json.status, 0, json.stdout + json.stderr);
    const preview = JSON.parse(json.stdout);
    // the token reached the real provider as a secret
    const provider = preview.steps.find((s: any) => s.newState?.type === "pulumi:providers:proxmoxve");
    assert.equal(provider.newState.inputs.apiToken, "[secret]", JSON.stringify(provider.newState.inputs));
    // The machine secrets do not exist before the Secrets resource is created; everything that carries
    // them is unknown or secret, never a plain value.
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const carriers = preview.steps.filter((s: any) => s.newState?.type === "talos:machine/configurationApply:ConfigurationApply");
    assert.equal(carriers.length, 7);
    for (const s of carriers) {
      for (const k of ["machineConfigurationInput", "clientConfiguration"])
        assert.ok([UNKNOWN, "[secret]"].includes(s.newState.inputs[k]), `${k}: ${JSON.stringify(s.newState.inputs[k])}`);
    }
    const state = p.run(["stack", "export", "--stack", "homelab"]);
    assert.equal(state.status, 0, state.stderr);
    const checkpoints = fs
      .readdirSync(path.join(p.dir, ".pulumi-state"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"));
    assert.ok(checkpoints.length > 0, "the backend holds the stack's checkpoint");
    for (const [what, content] of [
      ["preview output", text.stdout + text.stderr + json.stdout + json.stderr],
      ["state", state.stdout],
      ...checkpoints.map((c) => ["checkpoint", c]),
    ]) {
      assert.ok(!content.includes(TOKEN), `token in the ${what}`);
      assert.ok(!content.includes(TOKEN.split("=")[1]), `token secret in the ${what}`);
      assert.doesNotMatch(
        content,
        /-----BEGIN [A-Z ]*PRIVATE KEY-----|"(bootstraptoken|secretboxEncryptionSecret|aescbcEncryptionSecret)"\s*:\s*"[^"[]/,
        `machine secret in the ${what}`,
      );
    }
  });

  it("each provider judges what it is given: the real Proxmox provider and the stand-ins refuse bad inputs", () => {
    const p = project();
    // a small program of its own: one bad resource per preview (the engine stops at the first refusal)
    fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), "name: judges\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(
      path.join(p.dir, "index.ts"),
      `
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as talos from "@pulumiverse/talos";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";
const bad: Record<string, () => void> = {
  proxmox: () => new proxmox.download.FileLegacy("image", { nodeName: "pve1", datastoreId: "local", contentType: "floppy", url: "https://factory.invalid/x.raw.gz" } as any,
    { provider: new proxmox.Provider("pve", { endpoint: "https://pve.invalid:8006/", apiToken: "a@pam!b=c" }) }),
  talos: () => new talos.machine.Secrets("secrets", { talosVersion: 1.11 } as any),
  // an invoke with known arguments reaches the provider (with an unknown one the SDK answers unknown itself)
  talosInvoke: () => talos.client.getConfigurationOutput({ clusterName: "c", clientConfiguration: { caCertificate: "a", clientCertificate: "b", clientKey: "c" }, endpoints: "10.0.0.1" as any }),
  kubernetes: () => new k8s.apiextensions.CustomResource("pool",
    { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", metadata: { name: "p" }, spec: { blocks: [{ start: 5 }], colour: "red" } },
    { provider: new k8s.Provider("known", { kubeconfig: "apiVersion: v1\\nkind: Config\\n" }) }),
  command: () => new command.remote.Command("cmd", { connection: { host: "h" }, create: "true", logging: "everything" as any }),
};
// a valid invoke with known arguments: the stand-in cannot compute a talosconfig, so it returns none
export const talosConfig = process.env.JUDGE_CASE === "invokeAbsent"
  ? talos.client.getConfigurationOutput({ clusterName: "c", clientConfiguration: { caCertificate: "a", clientCertificate: "b", clientKey: "c" }, endpoints: ["10.0.0.1"] })
      .talosConfig.apply((v) => (v === undefined ? "absent" : "invented"))
  : bad[process.env.JUDGE_CASE!]();
`,
    );
    assert.equal(p.run(["stack", "init", "judges", "--secrets-provider", "passphrase"]).status, 0);
    const expect: Record<string, RegExp[]> = {
      proxmox: [/content_type value must be one of: \["iso" "vztmpl" "import"\], got: "floppy"/],
      talos: [
        /talosVersion.*expected a string, got the number 1\.11 \[stand-in talos provider, judged by the talos 0\.8\.1 package schema\]/,
      ],
      kubernetes: [
        /spec\.blocks\[0\]\.start.*expected a string, got the number 5 \[stand-in kubernetes provider, judged by Cilium v1\.18\.4's CRD schemas\]/,
        /spec\.colour.*unknown property "colour"/,
      ],
      talosInvoke: [/getConfiguration.* failed: expected a list, got the string "10\.0\.0\.1" \[stand-in talos provider.*\(endpoints\)/],
      command: [/logging.*everything is not one of stdout, stderr, stdoutAndStderr, none \[stand-in command provider/],
    };
    for (const [which, patterns] of Object.entries(expect)) {
      const r = p.run(["preview", "--stack", "judges"], { JUDGE_CASE: which });
      const out = r.stdout + r.stderr;
      assert.notEqual(r.status, 0, `${which}: ${out}`);
      for (const re of patterns) assert.match(out, re, `${which}:\n${out}`);
    }
    const ok = p.run(["preview", "--stack", "judges"], { JUDGE_CASE: "invokeAbsent" });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /talosConfig: "absent"/);
  });
});
