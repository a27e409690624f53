// The Proxmox VE API simulator's own PVE semantics (tests/standins/pve-api/sim.ts), over HTTPS in this process,
// with requests shaped as bpg v0.111.1 sends them (form-encoded, drive strings from CustomStorageDevice.
// EncodeValues): the refusals and the live/pending decisions the lifecycle scenarios rely on, each checked
// against what qemu-server and pve-manager do, so a simulator that answered "OK" to everything fails here.
import assert from "node:assert/strict";
import * as https from "node:https";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Server } from "node:http";
import { LOOPBACK_TLS } from "../helpers/loopback-tls";
import { tempDir } from "../helpers/tmp";
import { listenImageFactory, PveSimulator } from "../standins/pve-api/sim";

const TOKEN = "root@pam!sim=11111111-2222-3333-4444-555555555555";
const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

describe("Proxmox VE API simulator: PVE's refusals and hotplug decisions", () => {
  let sim: PveSimulator;
  let server: https.Server;
  let factory: Server;
  let base: string;
  let factoryUrl: string;
  const call = (method: string, p: string, body?: Record<string, string>, token = TOKEN) =>
    new Promise<{ status: number; reason: string; data: any }>((resolve, reject) => {
      const payload = body ? new URLSearchParams(body).toString() : "";
      const req = https.request(
        `${base}/api2/json${p}`,
        {
          method,
          rejectUnauthorized: false,
          headers: {
            Authorization: `PVEAPIToken=${token}`,
            ...(payload ? { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d) => {
            text += d;
          });
          res.on("end", () => resolve({ status: res.statusCode!, reason: res.statusMessage ?? "", data: JSON.parse(text).data }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  /** a task's exit status, as the provider polls it */
  const exit = async (upid: string, node = "pve1") =>
    (await call("GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)).data.exitstatus as string;
  const file = `talos-sim-v1.11.5-${SCHEMATIC.slice(0, 12)}-nocloud-amd64.qcow2`;
  const create = (vmid: number, extra: Record<string, string> = {}) =>
    call("POST", "/nodes/pve1/qemu", {
      vmid: String(vmid),
      name: `vm${vmid}`,
      cores: "4",
      sockets: "1",
      memory: "8192",
      tags: "a;b",
      scsi0: `file=local-lvm:0,import-from=local:import/${file},format=raw,size=53687091200,iothread=1,ssd=1,discard=on,cache=none`,
      ide2: "file=local-lvm:cloudinit,",
      ide3: "file=none,media=cdrom,",
      net0: "model=virtio,bridge=vmbr0,firewall=0",
      ...extra,
    });

  before(async () => {
    const dir = tempDir("pve-sim");
    factory = await listenImageFactory({ host: "127.0.0.1", port: 0, journal: path.join(dir, "factory.jsonl") });
    factoryUrl = `http://127.0.0.1:${(factory.address() as AddressInfo).port}`;
    sim = new PveSimulator({
      token: TOKEN,
      journal: path.join(dir, "journal.jsonl"),
      nodes: [
        {
          name: "pve1",
          storages: [
            { id: "local", type: "dir", content: ["iso", "import"] },
            { id: "local-lvm", type: "lvmthin", content: ["images"] },
            { id: "fast", type: "lvmthin", content: ["images"] },
          ],
        },
        {
          name: "pve2",
          storages: [
            { id: "local", type: "dir", content: ["iso"] },
            { id: "local-lvm", type: "lvmthin", content: ["images"] },
          ],
        },
      ],
    });
    server = await sim.listen({ host: "127.0.0.1", port: 0, tls: LOOPBACK_TLS });
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
    factory?.close();
  });

  it("answers a wrong token with 401", async () => {
    assert.equal((await call("GET", "/version", undefined, TOKEN.replace(/5$/, "6"))).status, 401);
    assert.equal((await call("GET", "/version")).status, 200);
  });

  it("download-url: refused on a storage without the `import` content type; a task that fetches from the factory where configured", async () => {
    const url = `${factoryUrl}/image/${SCHEMATIC}/v1.11.5/nocloud-amd64.qcow2`;
    const refused = await call("POST", "/nodes/pve2/storage/local/download-url", { content: "import", filename: file, url });
    assert.equal(refused.status, 500);
    assert.match(refused.reason, /not configured for content-type 'import'/);
    const ok = await call("POST", "/nodes/pve1/storage/local/download-url", { content: "import", filename: file, url });
    assert.equal(await exit(ok.data), "OK");
    const missing = await call("POST", "/nodes/pve1/storage/local/download-url", {
      content: "import",
      filename: "other.qcow2",
      url: `${factoryUrl}/nothing`,
    });
    assert.match(await exit(missing.data), /download failed: 404/);
    const again = await call("POST", "/nodes/pve1/storage/local/download-url", { content: "import", filename: file, url });
    assert.match(again.reason, /refusing to override existing file/);
  });

  it("qemu create: import-from a missing volume fails the task and leaves nothing; otherwise PVE's own drive strings", async () => {
    assert.match(
      await exit((await create(200, { scsi0: "file=local-lvm:0,import-from=local:import/gone.qcow2,format=raw" })).data),
      /import-from: volume 'local:import\/gone.qcow2' does not exist/,
    );
    assert.equal((await call("GET", "/nodes/pve1/qemu/200/config")).status, 500);
    assert.deepEqual(sim.volumes.get("pve1/local-lvm") ?? [], []);
    assert.equal(await exit((await create(101)).data), "OK");
    const conf = (await call("GET", "/nodes/pve1/qemu/101/config")).data;
    // the image's length (4 MiB from the factory stand-in) until resized; format and import-from not kept
    assert.equal(conf.scsi0, "local-lvm:vm-101-disk-0,iothread=1,ssd=1,discard=on,cache=none,size=4M");
    assert.equal(conf.ide2, "local-lvm:vm-101-cloudinit,media=cdrom");
    assert.equal(conf.ide3, "none,media=cdrom");
    assert.match(conf.net0, /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,firewall=0$/);
    assert.equal(conf.cores, 4);
    assert.equal(conf.tags, "a;b");
    assert.equal(await exit((await call("PUT", "/nodes/pve1/qemu/101/resize", { disk: "scsi0", size: "53687091200" })).data), "OK");
    assert.match(
      await exit((await call("PUT", "/nodes/pve1/qemu/101/resize", { disk: "scsi0", size: "1G" })).data),
      /shrinking disks is not supported/,
    );
    assert.match((await call("GET", "/nodes/pve1/qemu/101/config")).data.scsi0, /size=50G$/);
    assert.match(await exit((await create(101)).data), /VM 101 already exists/);
  });

  it("updates on a running VM: cores, memory and a disk's cache wait as pending; tags, name and NICs apply live; a start applies the rest", async () => {
    assert.equal(await exit((await call("POST", "/nodes/pve1/qemu/101/status/start")).data), "OK");
    const put = await call("PUT", "/nodes/pve1/qemu/101/config", {
      cores: "6",
      memory: "16384",
      sockets: "1",
      tags: "a;b;c",
      name: "renamed",
      net0: "model=virtio,bridge=vmbr1,firewall=0",
      scsi0: "file=local-lvm:vm-101-disk-0,iothread=1,ssd=1,discard=on,cache=writeback",
    });
    assert.equal(put.status, 200);
    const current = (await call("GET", "/nodes/pve1/qemu/101/config?current=1")).data;
    const merged = (await call("GET", "/nodes/pve1/qemu/101/config")).data;
    assert.deepEqual([current.cores, current.memory, current.tags, current.name], [4, "8192", "a;b;c", "renamed"]);
    assert.match(current.net0, /bridge=vmbr1/);
    assert.match(current.scsi0, /cache=none/);
    assert.deepEqual([merged.cores, merged.memory], [6, "16384"]);
    assert.match(merged.scsi0, /cache=writeback,size=50G$/);
    const pending = (await call("GET", "/nodes/pve1/qemu/101/pending")).data as { key: string; value?: unknown; pending?: unknown }[];
    assert.deepEqual(
      pending.filter((p) => p.pending !== undefined).map((p) => p.key),
      ["cores", "memory", "scsi0"],
      "sockets unchanged: no pending entry",
    );
    assert.equal(await exit((await call("POST", "/nodes/pve1/qemu/101/status/reboot")).data), "OK");
    assert.equal((await call("GET", "/nodes/pve1/qemu/101/config?current=1")).data.cores, 6);
    assert.deepEqual(
      (await call("GET", "/nodes/pve1/qemu/101/pending")).data.filter((p: { pending?: unknown }) => p.pending !== undefined),
      [],
    );
  });

  it("migrate: refused without online for a running VM, to an unknown node, for the host's cdrom, and for a storage the target lacks", async () => {
    const noOnline = await call("POST", "/nodes/pve1/qemu/101/migrate", { target: "pve2", "with-local-disks": "1" });
    assert.match(noOnline.reason, /can't migrate running VM without --online/);
    assert.equal((await call("POST", "/nodes/pve1/qemu/101/migrate", { target: "pve9", online: "1" })).status, 400);
    assert.equal(await exit((await create(102, { ide3: "file=cdrom,media=cdrom," })).data), "OK");
    assert.match(
      await exit((await call("POST", "/nodes/pve1/qemu/102/migrate", { target: "pve2", "with-local-disks": "1" })).data),
      /can't migrate local cdrom drive/,
    );
    assert.equal(await exit((await create(103, { scsi1: "file=fast:10,iothread=1" })).data), "OK");
    assert.match(
      await exit((await call("POST", "/nodes/pve1/qemu/103/migrate", { target: "pve2", "with-local-disks": "1" })).data),
      /storage 'fast' is not available on node 'pve2'/,
    );
    assert.equal((await call("GET", "/cluster/resources?type=vm")).data.find((v: { vmid: number }) => v.vmid === 103).node, "pve1");
    const ok = await call("POST", "/nodes/pve1/qemu/101/migrate", { target: "pve2", online: "1", "with-local-disks": "1" });
    assert.equal(await exit(ok.data), "OK");
    assert.equal((await call("GET", "/cluster/resources?type=vm")).data.find((v: { vmid: number }) => v.vmid === 101).node, "pve2");
    assert.equal((await call("GET", "/nodes/pve1/qemu/101/config")).status, 500, "gone from the source node");
  });

  it("delete: refused while running; afterwards the VM and its volumes are gone", async () => {
    assert.match((await call("DELETE", "/nodes/pve2/qemu/101?destroy-unreferenced-disks=1&purge=1")).reason, /is running - destroy failed/);
    assert.equal(await exit((await call("POST", "/nodes/pve2/qemu/101/status/stop")).data, "pve2"), "OK");
    assert.equal(await exit((await call("DELETE", "/nodes/pve2/qemu/101?destroy-unreferenced-disks=1&purge=1")).data, "pve2"), "OK");
    assert.equal((await call("GET", "/nodes/pve2/qemu/101/status/current")).status, 500);
    assert.deepEqual(
      (sim.volumes.get("pve2/local-lvm") ?? []).map((v) => v.volid),
      [],
    );
  });
});
