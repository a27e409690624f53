// The VMs' whole life under the real Pulumi CLI and the real Proxmox VE provider plugin (bpg v0.111.1 as
// @muhlba91/pulumi-proxmoxve 8.6.0) against the Proxmox VE API simulator (tests/standins/pve-api), run as
// its own process inside the test's network namespace on the plan's endpoint address, with the Image
// Factory stand-in beside it (image.factoryUrl points there). The program is the project's own: one
// `proxmox.download.File` per host with the inputs components/TalosImage.ts passes (imageDownloadArgs; the
// Talos provider's Schematic is left out, there is no stand-in that creates it yet, so the schematic ID is
// the one computed locally, which TalosImage checks the factory's answer against) and the real ProxmoxVm for
// every node of homelab. One stack is carried through the scenarios in order; each asserts on what the
// simulator received (its journal) and holds (its state), not on what the program declared.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Plan } from "../../core/plan/types";
import { schematic } from "../../core/talos/patches";
import { schematicId } from "../../core/talos/schematic-id";
import { imageFileName, migrateTimeoutSeconds } from "../../core/plan/proxmox-vm";
import { toolchainMissing } from "../e2e/engine";
import { stackPlan } from "../helpers/stacks";
import { LifecycleProject, Netns, proxmoxPlugin } from "./harness";
import { nodesOf, type PveApiProcess, type PveRequestEntry, startPveApi } from "../standins/pve-api/process";

const PROGRAM = `// lifecycle tier: the Talos image downloads and the project's ProxmoxVm per node (tests/lifecycle/proxmox-vms.test.ts)
import * as fs from "node:fs";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { ProxmoxVm } from "./components/ProxmoxVm";
import { imageDownloadArgs, vmSiteOf } from "./core/plan/proxmox-vm";
import { imageDownloadName, imageDownloads } from "./core/plan/storage";
import { pendingFromProxmox } from "./core/deployed/rollout";
import { readPendingReboots } from "./core/proxmox/pending";
const i = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
const plan = i.plan;
// i.before: the VMs as ProxmoxVm declared them before the cdrom and disk-speed fixes (no cdrom input, no
// ignoreChanges on the disks' speed), to create VMs the way earlier versions of the program did
const before: pulumi.ResourceTransformation = (a) => {
  if (a.type !== "proxmoxve:index/vmLegacy:VmLegacy") return undefined;
  const { cdrom, ...props } = a.props;
  return { props, opts: { ...a.opts, ignoreChanges: (a.opts.ignoreChanges ?? []).filter((x) => !x.endsWith(".speed")) } };
};
const provider = new proxmox.Provider("proxmox", { endpoint: plan.proxmox.endpoint, insecure: plan.proxmox.insecure });
const fileIds: Record<string, pulumi.Output<string>> = {};
for (const d of imageDownloads(plan)) {
  const file = new proxmox.download.File(imageDownloadName("talos-image", d), imageDownloadArgs(plan, d, i.schematicId), { provider, deleteBeforeReplace: d.shared });
  for (const h of d.servesHosts) fileIds[h] = file.id;
}
const vms = plan.nodes.map((n: any) => new ProxmoxVm(n.name, { site: vmSiteOf(plan, n), node: n, imageFileId: fileIds[n.host], proxmoxProvider: provider }, i.before ? { transformations: [before] } : {}));
export const vmIds = Object.fromEntries(vms.map((v: ProxmoxVm, k: number) => [plan.nodes[k].name, v.vmId]));
// as index.ts does on \`up\`: what Proxmox lists as pending, read once every VM was created or updated
export const pendingVmReboots = pulumi.all(vms.map((v: ProxmoxVm) => v.vm.id)).apply(async () => pulumi.runtime.isDryRun() ? [] :
  pendingFromProxmox(plan, await readPendingReboots({ endpoint: plan.proxmox.endpoint, apiToken: process.env.PROXMOX_VE_API_TOKEN!, insecure: true },
    plan.nodes.map((n: any) => ({ name: n.name, node: n.host, vmId: n.vmId })))).map((p) => p.name));
`;

const TOKEN = "root@pam!lifecycle=6f1c2a4e-0000-4000-8000-00000000beef";
const ENDPOINT = "https://192.168.0.250:8006/";
const FACTORY = "http://192.168.0.251:8080";

/** homelab with the simulator's addresses; `mutate` edits the stack config as a user would */
const planOf = (mutate?: (c: Record<string, any>) => void): Plan =>
  stackPlan("homelab", (c) => {
    c.proxmox = { ...c.proxmox, endpoint: ENDPOINT };
    c.image = { ...c.image, factoryUrl: FACTORY };
    mutate?.(c);
  });
const nodeOf = (c: Record<string, any>, name: string) => c.nodes.find((n: { name: string }) => n.name === name);

describe("Proxmox VMs under the real engine and provider, against the PVE API simulator", { timeout: 900_000 }, () => {
  let ns: Netns;
  let pve: PveApiProcess;
  let p: LifecycleProject;
  let plan = planOf();
  const setPlan = (next: Plan, before = false) => {
    plan = next;
    p.setInputs({ plan, schematicId: schematicId(schematic(plan)), before } as never);
  };
  let mark = 0;
  /** requests since the previous step */
  const step = (): PveRequestEntry[] => {
    const all = pve.requests();
    const out = all.slice(mark);
    mark = all.length;
    return out;
  };
  const calls = (rs: PveRequestEntry[], re: RegExp, method = "POST") => rs.filter((r) => r.method === method && re.test(r.path));
  const powerCalls = (rs: PveRequestEntry[]) =>
    rs.filter((r) => r.method === "POST" && /\/status\/(stop|shutdown|reboot|start)$/.test(r.path)).map((r) => r.path);
  const up = () => {
    const r = p.up();
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    return r;
  };
  const outputs = () => JSON.parse(p.must(["stack", "output", "--json"]));
  const vm = (vmid: number) => pve.state().vms[String(vmid)];

  before(async () => {
    if (toolchainMissing) throw new Error(toolchainMissing);
    proxmoxPlugin();
    ns = await Netns.start([new URL(ENDPOINT).hostname, new URL(FACTORY).hostname]);
    pve = await startPveApi(ns.enter, { endpoint: ENDPOINT, factoryUrl: FACTORY, token: TOKEN, nodes: nodesOf(plan) });
    p = LifecycleProject.create(ns, "vms", { PROXMOX_VE_API_TOKEN: TOKEN }, { program: PROGRAM, proxmox: true });
    setPlan(planOf());
  });
  after(() => {
    // PVE_SIM_JOURNAL=<file>: keep what the simulator received (the run's folders are removed at exit)
    if (process.env.PVE_SIM_JOURNAL && pve) fs.copyFileSync(path.join(pve.dir, "journal.jsonl"), process.env.PVE_SIM_JOURNAL);
    pve?.stop();
    ns?.stop();
  });

  it("the simulator refuses a wrong API token (401) and answers the right one", async () => {
    const probe = (token: string) =>
      ns.enter.concat([
        process.execPath,
        "-e",
        `fetch("${ENDPOINT}api2/json/version",{headers:{Authorization:"PVEAPIToken=${token}"}}).then(r=>console.log(r.status))`,
      ]);
    const { spawnSync } = await import("node:child_process");
    const run = (t: string) => {
      const [c, ...a] = probe(t);
      return spawnSync(c, a, { encoding: "utf8", env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: "0" } }).stdout.trim();
    };
    assert.equal(run(TOKEN.replace(/beef$/, "dead")), "401");
    assert.equal(run(TOKEN), "200");
    step();
  });

  it("a: a fresh `up` downloads the image once per host and creates every VM from it, started once, never stopped or rebooted", () => {
    up();
    const rs = step();
    const file = imageFileName(plan, schematicId(schematic(plan)));
    // one download per host, from the factory stand-in
    assert.deepEqual(
      calls(rs, /\/download-url$/)
        .map((r) => [r.path, r.params.url, r.status])
        .sort(),
      ["pve1", "pve2", "pve3"].map((h) => [
        `/nodes/${h}/storage/local/download-url`,
        `${FACTORY}/image/${schematicId(schematic(plan))}/${plan.talosVersion}/nocloud-amd64.qcow2`,
        200,
      ]),
    );
    assert.equal(pve.factory().filter((f) => f.method === "GET" && f.status === 200).length, 3);
    // every VM created on its host, its OS disk imported from that host's file
    const creates = calls(rs, /^\/nodes\/[^/]+\/qemu$/);
    assert.deepEqual(
      creates.map((r) => [r.params.vmid, r.path.split("/")[2], r.status]).sort(),
      plan.nodes.map((n) => [String(n.vmId), n.host, 200]).sort(),
    );
    for (const r of creates)
      assert.match(r.params.scsi0, new RegExp(`import-from=local:import/${file.replace(/\./g, "\\.")}`), r.params.scsi0);
    assert.deepEqual(
      pve.tasks().filter((t) => t.exitstatus !== "OK"),
      [],
      "no task failed",
    );
    // in the simulator: each VM running on its host, OS disk at its planned size, data disks too
    for (const n of plan.nodes) {
      const v = vm(n.vmId);
      assert.equal(v.node, n.host);
      assert.equal(v.status, "running");
      for (const d of n.disks)
        assert.match(String(v.config[d.slot]), new RegExp(`^local-lvm:vm-${n.vmId}-disk-\\d,.*size=${d.sizeGB}G`), `${n.name} ${d.slot}`);
      assert.equal(v.config.tags, [plan.clusterName, n.role, "talos"].sort().join(";"));
      // an empty CD drive, not the host's (`cdrom`), which would block every migration
      assert.equal(v.config.ide3, "none,media=cdrom");
      assert.deepEqual(v.pending, {});
    }
    // started once each, nothing stopped, shut down or rebooted
    assert.deepEqual(powerCalls(rs).sort(), plan.nodes.map((n) => `/nodes/${n.host}/qemu/${n.vmId}/status/start`).sort());
  });

  it("b: nothing changed: `pulumi preview --expect-no-changes` passes right after, from a second clone too, `pulumi refresh --expect-no-changes` passes, and a second `up` touches nothing", () => {
    const r = p.run(["preview", "--expect-no-changes", "--diff"]);
    assert.equal(r.status, 0, `the second run would change something:\n${r.stdout}\n${r.stderr}`);
    const fromClone = p.clone().run(["preview", "--expect-no-changes", "--diff"]);
    assert.equal(fromClone.status, 0, `from another checkout:\n${fromClone.stdout}\n${fromClone.stderr}`);
    const refresh = p.run(["refresh", "--expect-no-changes", "--yes", "--skip-preview"]);
    assert.equal(refresh.status, 0, `refresh found differences:\n${refresh.stdout}\n${refresh.stderr}`);
    assert.deepEqual(
      step().filter((x) => x.method !== "GET"),
      [],
      "previews and refresh only read",
    );
    up();
    const writes = step().filter((x) => x.method !== "GET");
    assert.deepEqual(
      writes.map((x) => `${x.method} ${x.path}`),
      [],
    );
  });

  it("d: a CPU change on one worker updates that VM; the change waits as pending, nothing is stopped or rebooted, pendingVmReboots names it", () => {
    setPlan(
      planOf((c) => {
        nodeOf(c, "talos-wrk-02").cpu = 10;
      }),
    );
    up();
    const rs = step();
    const writes = rs.filter((x) => x.method !== "GET");
    assert.deepEqual(
      writes.map((x) => `${x.method} ${x.path}`),
      ["PUT /nodes/pve2/qemu/1015/config"],
    );
    assert.equal(writes[0].params.cores, "10");
    assert.deepEqual(powerCalls(rs), []);
    const v = vm(1015);
    assert.equal(v.status, "running");
    assert.equal(v.config.cores, 8, "the running VM keeps its cores");
    assert.equal(v.pending.cores, 10, "the new value waits for a cold restart");
    assert.deepEqual(outputs().pendingVmReboots, ["talos-wrk-02"]);
    // and the next run sees nothing to do (the provider reads the pending value back)
    const again = p.run(["preview", "--expect-no-changes"]);
    assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
    step();
  });

  it("i: a Talos upgrade replaces the image file (the old one deleted, no VM touched); a vmId change after it replaces the VM from the new file", () => {
    const oldFile = `local:import/${imageFileName(plan, schematicId(schematic(plan)))}`;
    setPlan(
      planOf((c) => {
        nodeOf(c, "talos-wrk-02").cpu = 10;
        c.versions = { ...c.versions, talos: "v1.12.1" };
      }),
    );
    const newFile = `local:import/${imageFileName(plan, schematicId(schematic(plan)))}`;
    assert.notEqual(newFile, oldFile);
    up();
    let rs = step();
    assert.deepEqual(
      calls(rs, /\/download-url$/)
        .map((r) => r.path.split("/")[2])
        .sort(),
      ["pve1", "pve2", "pve3"],
    );
    assert.deepEqual(
      calls(rs, /\/content\//, "DELETE")
        .map((r) => r.path)
        .sort(),
      ["pve1", "pve2", "pve3"].map((h) => `/nodes/${h}/storage/local/content/${oldFile}`),
    );
    assert.deepEqual(
      rs.filter((r) => r.method !== "GET" && /\/qemu/.test(r.path)),
      [],
      "no VM is touched by an image change",
    );
    for (const h of ["pve1", "pve2", "pve3"])
      assert.deepEqual(
        pve.state().volumes[`${h}/local`].map((v) => v.volid),
        [newFile],
      );

    setPlan(
      planOf((c) => {
        nodeOf(c, "talos-wrk-02").cpu = 10;
        nodeOf(c, "talos-wrk-02").vmId = 1115;
        c.versions = { ...c.versions, talos: "v1.12.1" };
      }),
    );
    up();
    rs = step();
    const writes = rs.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`);
    // delete before create (the component's deleteBeforeReplace), the old VM stopped first (stopOnDestroy)
    assert.deepEqual(
      writes.filter((w) => /qemu\/1015|qemu$/.test(w)),
      ["POST /nodes/pve2/qemu/1015/status/stop", "DELETE /nodes/pve2/qemu/1015", "POST /nodes/pve2/qemu"],
    );
    const create = calls(rs, /^\/nodes\/pve2\/qemu$/)[0];
    assert.equal(create.params.vmid, "1115");
    assert.match(
      create.params.scsi0,
      new RegExp(`import-from=${newFile.replace(/\./g, "\\.")}`),
      "the replacement imports the image that exists",
    );
    assert.equal(create.params.cores, "10");
    assert.deepEqual(
      pve.tasks().filter((t) => t.exitstatus !== "OK"),
      [],
    );
    assert.equal(vm(1015), undefined);
    assert.equal(vm(1115).status, "running");
  });

  it("j: a host move is a live migration with the local disks, never a replacement", () => {
    setPlan(
      planOf((c) => {
        nodeOf(c, "talos-wrk-02").cpu = 10;
        nodeOf(c, "talos-wrk-02").vmId = 1115;
        c.versions = { ...c.versions, talos: "v1.12.1" };
        nodeOf(c, "talos-wrk-04").host = "pve3";
      }),
    );
    const r = p.up();
    const rs = step();
    const migrations = calls(rs, /\/migrate$/);
    const failed = pve
      .tasks()
      .filter((t) => t.exitstatus !== "OK")
      .map((t) => `${t.type} ${t.id}: ${t.exitstatus}`);
    assert.equal(r.status, 0, `${failed.join("\n")}\n${r.stdout}\n${r.stderr}`);
    assert.deepEqual(
      migrations.map((m) => [m.path, m.params.target, m.params.online, m.params["with-local-disks"]]),
      [["/nodes/pve1/qemu/1017/migrate", "pve3", "1", "1"]],
    );
    assert.deepEqual(
      rs.filter((x) => (x.method === "DELETE" && /qemu/.test(x.path)) || (x.method === "POST" && /qemu$/.test(x.path))),
      [],
      "no VM deleted or created",
    );
    assert.deepEqual(powerCalls(rs), []);
    const v = vm(1017);
    assert.equal(v.node, "pve3");
    assert.equal(v.status, "running");
    const moved = (h: string) =>
      pve
        .state()
        .volumes[`${h}/local-lvm`].filter((x) => x.vmid === 1017)
        .map((x) => x.volid)
        .sort();
    assert.deepEqual(
      moved("pve3"),
      ["local-lvm:vm-1017-cloudinit", "local-lvm:vm-1017-disk-0", "local-lvm:vm-1017-disk-1"],
      "its disks moved with it",
    );
    assert.deepEqual(moved("pve1"), []);
    assert.ok(migrateTimeoutSeconds(plan.nodes.find((n) => n.name === "talos-wrk-04")!) >= 1800);
  });

  it("k: `pulumi destroy` stops and deletes every VM and deletes every image file: the simulator ends empty", () => {
    const r = p.run(["destroy", "--yes", "--skip-preview"]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const rs = step();
    assert.equal(calls(rs, /^\/nodes\/[^/]+\/qemu\/\d+$/, "DELETE").length, plan.nodes.length);
    const s = pve.state();
    assert.deepEqual(s.vms, {});
    assert.deepEqual(Object.values(s.volumes).flat(), []);
  });
  it("a factory without the requested image: Proxmox's URL check refuses it, `up` fails naming it, and no VM is created", () => {
    setPlan(planOf());
    pve.refuseVersions([plan.talosVersion]);
    const r = p.up();
    const rs = step();
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /invalid server response: '404 Not Found'/);
    // bpg asks Proxmox for the URL's metadata first (query-url-metadata), so no download is started
    assert.deepEqual(
      rs.filter((x) => /query-url-metadata$/.test(x.path)).map((x) => x.status),
      [400, 400, 400],
    );
    assert.deepEqual(calls(rs, /\/download-url$/), []);
    assert.deepEqual(calls(rs, /^\/nodes\/[^/]+\/qemu$/), [], "no VM without its image");
    assert.deepEqual(pve.state().vms, {});
    pve.refuseVersions([]);
  });
  it("VMs created by the component before the fixes: their second run was not clean; the fixed component updates each VM's CD drive live, once, with nothing pending or restarted", () => {
    setPlan(planOf(), true);
    up();
    let rs = step();
    assert.equal(calls(rs, /^\/nodes\/[^/]+\/qemu$/).length, plan.nodes.length);
    for (const n of plan.nodes)
      assert.equal(vm(n.vmId).config.ide3, "cdrom,media=cdrom", "the host's CD drive, as the provider's default creates it");
    const before = p.run(["preview", "--expect-no-changes", "--diff"]);
    assert.notEqual(before.status, 0, "the component before the fix: every run updates every VM");
    assert.match(before.stdout, /\+ speed/);
    step();
    setPlan(planOf());
    up();
    rs = step();
    const writes = rs.filter((x) => x.method !== "GET");
    assert.deepEqual(
      writes.map((x) => `${x.method} ${x.path}`).sort(),
      plan.nodes.map((n) => `PUT /nodes/${n.host}/qemu/${n.vmId}/config`).sort(),
    );
    for (const w of writes) assert.equal(w.params.ide3, "file=none,media=cdrom,", JSON.stringify(w.params));
    for (const n of plan.nodes) {
      assert.equal(vm(n.vmId).config.ide3, "none,media=cdrom");
      assert.deepEqual(vm(n.vmId).pending, {}, `${n.name}: nothing waits for a restart`);
    }
    assert.deepEqual(powerCalls(rs), []);
    const after = p.run(["preview", "--expect-no-changes"]);
    assert.equal(after.status, 0, `${after.stdout}\n${after.stderr}`);
    const down = p.run(["destroy", "--yes", "--skip-preview"]);
    assert.equal(down.status, 0, `${down.stdout}\n${down.stderr}`);
    assert.deepEqual(pve.state().vms, {});
  });
});

describe("an image datastore without the `import` content type (a host as Proxmox installs it)", { timeout: 300_000 }, () => {
  let ns: Netns;
  let pve: PveApiProcess;
  let p: LifecycleProject;
  before(async () => {
    if (toolchainMissing) throw new Error(toolchainMissing);
    ns = await Netns.start([new URL(ENDPOINT).hostname, new URL(FACTORY).hostname]);
    const plan = planOf();
    pve = await startPveApi(ns.enter, { endpoint: ENDPOINT, factoryUrl: FACTORY, token: TOKEN, nodes: nodesOf(plan, { import: false }) });
    p = LifecycleProject.create(ns, "no-import", { PROXMOX_VE_API_TOKEN: TOKEN }, { program: PROGRAM, proxmox: true });
    p.setInputs({ plan, schematicId: schematicId(schematic(plan)) } as never);
  });
  after(() => {
    pve?.stop();
    ns?.stop();
  });

  it("`up` fails with Proxmox's own reason at the download, and no VM is created", () => {
    const r = p.up();
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /storage 'local' is not configured for content-type 'import'/);
    const rs = pve.requests();
    assert.deepEqual(
      rs.filter((x) => x.method === "POST" && x.path.endsWith("/download-url")).map((x) => x.status),
      [500, 500, 500],
    );
    assert.deepEqual(
      rs.filter((x) => x.method === "POST" && /\/qemu$/.test(x.path)),
      [],
    );
    assert.deepEqual(pve.state().vms, {});
  });
});
