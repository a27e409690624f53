// Issue 17, item 3, with the real engine and the real Proxmox provider plugin (bpg v0.111.1): `pulumi up`
// of the Talos image download against the Proxmox VE API simulator (tests/helpers/pve-standin.ts,
// tests/standins/pve-api), which fetches the image from an Image Factory stand-in on loopback, for a
// second cluster on the same Proxmox storage and for a retry after a download the state never recorded.
// The program creates one `proxmox.download.File` with exactly the inputs components/TalosImage.ts
// passes (core/plan/proxmox-vm.ts imageDownloadArgs), or, for comparison, with the inputs it passed
// before this change (file name from the Talos version and schematic only, no overwriteUnmanaged).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { engineTierProject, type Project, PULUMI, removeProject } from "./engine";
import { PVE_TOKEN, type PveStandin, startPveStandin } from "../helpers/pve-standin";
import { listenImageFactory } from "../standins/pve-api/sim";
import { tempDir } from "../helpers/tmp";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { imageFileName } from "../../core/plan/proxmox-vm";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

const PROGRAM = `import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { imageDownloadArgs } from "./core/plan/proxmox-vm";

const env = process.env;
const schematic = "${SCHEMATIC}";
const plan = { clusterName: env.IMAGE_TEST_CLUSTER!, talosVersion: "v1.11.5", image: { factoryUrl: env.IMAGE_TEST_FACTORY! } };
const d = { host: "pve1", datastore: "local" };
// the inputs components/TalosImage.ts passed before issue 17
const before = {
  nodeName: d.host, datastoreId: d.datastore, contentType: "import",
  fileName: \`talos-\${plan.talosVersion}-\${schematic.slice(0, 12)}-nocloud-amd64.qcow2\`,
  url: \`\${plan.image.factoryUrl}/image/\${schematic}/\${plan.talosVersion}/nocloud-amd64.qcow2\`,
  overwrite: false,
};
const provider = new proxmox.Provider("pve", { endpoint: env.IMAGE_TEST_ENDPOINT, insecure: true, apiToken: env.IMAGE_TEST_TOKEN });
const file = new proxmox.download.File("talos-image", env.IMAGE_TEST_ARGS === "before" ? before : imageDownloadArgs(plan, d, schematic), { provider });
export const fileId = file.id;
`;

describe("the Talos image download under the real engine and provider, against a Proxmox API stand-in", { timeout: 900_000 }, () => {
  let project: Project;
  let pve: PveStandin;
  let factory: Server;
  let factoryUrl: string;
  before(async () => {
    factory = await listenImageFactory({ host: "127.0.0.1", port: 0, journal: path.join(tempDir("image-factory"), "journal.jsonl") });
    factoryUrl = `http://127.0.0.1:${(factory.address() as AddressInfo).port}`;
    project = engineTierProject();
    fs.writeFileSync(path.join(project.dir, "index.ts"), PROGRAM);
    // this program reads no stack config: a project file without the homelab keys
    fs.writeFileSync(
      path.join(project.dir, "Pulumi.yaml"),
      "name: imagetest\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    pve = await startPveStandin();
  });
  after(async () => {
    await pve?.close();
    factory?.close();
    if (project) removeProject(project);
  });

  /** `pulumi` without blocking this process: the stand-in answers the provider from here */
  const pulumi = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      const p = spawn(PULUMI, [...args, "--non-interactive"], { cwd: project.dir, env: { ...project.env, ...extraEnv } });
      let out = "";
      p.stdout.on("data", (d) => {
        out += d;
      });
      p.stderr.on("data", (d) => {
        out += d;
      });
      const timer = setTimeout(() => p.kill("SIGKILL"), 300_000);
      p.on("close", (status) => {
        clearTimeout(timer);
        resolve({ status, out });
      });
    });
  const up = async (stack: string, cluster: string, args: "issue17" | "before") => {
    const init = await pulumi(["stack", "init", stack]);
    assert.equal(init.status, 0, init.out);
    const r = await pulumi(["up", "--yes", "--skip-preview", "--stack", stack], {
      IMAGE_TEST_CLUSTER: cluster,
      IMAGE_TEST_ARGS: args,
      IMAGE_TEST_ENDPOINT: pve.endpoint,
      IMAGE_TEST_TOKEN: PVE_TOKEN,
      IMAGE_TEST_FACTORY: factoryUrl,
    });
    return { ok: r.status === 0, out: r.out };
  };
  const downloads = () => pve.journal.filter((j) => j.method === "POST" && j.path.endsWith("/download-url")).map((j) => j.params.filename);

  it("before: a second cluster with the same Talos version and schematic fails its first `up` (File already exists)", async () => {
    const a = await up("before-a", "homelab", "before");
    assert.ok(a.ok, a.out);
    const b = await up("before-b", "lab2", "before");
    assert.ok(!b.ok, "the second cluster's up should have failed");
    assert.match(b.out, /File already exists in the datastore/);
    assert.match(b.out, /refusing to override existing file/);
  });

  it("now: each cluster downloads its own file; both `up`s succeed and the first cluster's file is untouched", async () => {
    const mark = pve.journal.length;
    const a = await up("now-a", "homelab", "issue17");
    assert.ok(a.ok, a.out);
    const b = await up("now-b", "lab2", "issue17");
    assert.ok(b.ok, b.out);
    const files = pve.files.get("pve1/local")!;
    for (const c of ["homelab", "lab2"])
      assert.ok(files.has(`local:import/${imageFileName({ clusterName: c, talosVersion: "v1.11.5" }, SCHEMATIC)}`), c);
    assert.deepEqual(
      pve.journal.slice(mark).filter((j) => j.method === "DELETE"),
      [],
      "nothing of another cluster is deleted",
    );
  });

  it("now: a file of the cluster's own name that no state holds (a download that outlived its timeout) is replaced, not a failure", async () => {
    const leftover = imageFileName({ clusterName: "lab3", talosVersion: "v1.11.5" }, SCHEMATIC);
    pve.addFile("pve1", "local", `local:import/${leftover}`);
    const mark = pve.journal.length;
    const r = await up("retry", "lab3", "issue17");
    assert.ok(r.ok, r.out);
    const calls = pve.journal
      .slice(mark)
      .filter((j) => j.method !== "GET")
      .map((j) => `${j.method} ${j.path}`);
    assert.deepEqual(calls, [
      "POST /nodes/pve1/storage/local/download-url",
      `DELETE /nodes/pve1/storage/local/content/import/${leftover}`,
      "POST /nodes/pve1/storage/local/download-url",
    ]);
    assert.equal(downloads().at(-1), leftover);
  });
});
