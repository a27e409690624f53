// pendingVmReboots comes from Proxmox (GET /nodes/{node}/qemu/{vmid}/pending), not from the stack file:
// the reader against HTTP and HTTPS servers on loopback that answer as the PVE API does.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { pendingReasons, readPendingReboots } from "../../core/proxmox/pending";
import { pendingFromProxmox, vmRebootAdvice } from "../../core/deployed/rollout";
import { LOOPBACK_TLS } from "../helpers/loopback-tls";
import { stackPlan } from "../helpers/stacks";

const TOKEN = "pulumi@pve!homelab=00000000-1111-2222-3333-444444444444";
/** /pending of a VM after `cores 4 -> 6` and `memory 8192 -> 12288` with reboots off: PVE keeps both as pending. */
const PENDING_CPU = [
  { key: "boot", value: "order=scsi0" },
  { key: "cores", value: 4, pending: 6 },
  { key: "memory", value: "8192", pending: "12288" },
  { key: "name", value: "talos-cp-02" },
  { key: "scsi0", value: "local-lvm:vm-1012-disk-0,discard=on,iothread=1,size=50G,ssd=1" },
];
const PENDING_SERIAL_DELETE = [
  { key: "serial0", pending: "socket" },
  { key: "tablet", value: 1, delete: 1 },
];

function handler(requests: { url: string; auth?: string }[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ url: req.url ?? "", auth: req.headers.authorization });
    if (req.headers.authorization !== `PVEAPIToken=${TOKEN}`) {
      res.writeHead(401, "no ticket");
      res.end();
      return;
    }
    const m = /^\/api2\/json\/nodes\/([^/]+)\/qemu\/(\d+)\/pending$/.exec(req.url ?? "");
    if (!m) {
      res.writeHead(501);
      res.end();
      return;
    }
    const data = m[2] === "1012" ? PENDING_CPU : m[2] === "1016" ? PENDING_SERIAL_DELETE : [{ key: "cores", value: 8 }];
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ data }));
  };
}

describe("pending changes read from Proxmox", () => {
  const plan = stackPlan("homelab");
  const vms = plan.nodes.map((n) => ({ name: n.name, node: n.host, vmId: n.vmId }));
  const requests: { url: string; auth?: string }[] = [];
  let plain: http.Server, tls: https.Server;
  const url = (s: http.Server, scheme: string) => `${scheme}://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  before(async () => {
    plain = http.createServer(handler(requests));
    tls = https.createServer({ key: LOOPBACK_TLS.key, cert: LOOPBACK_TLS.cert }, handler(requests));
    await Promise.all([new Promise<void>((r) => plain.listen(0, "127.0.0.1", r)), new Promise<void>((r) => tls.listen(0, "127.0.0.1", r))]);
  });
  after(() => {
    plain.close();
    tls.close();
  });

  it("lists what waits: changed values and pending deletes; unchanged keys are not listed", () => {
    assert.deepEqual(pendingReasons(PENDING_CPU), ["cores: 4 -> 6", "memory: 8192 -> 12288"]);
    assert.deepEqual(pendingReasons(PENDING_SERIAL_DELETE), ["serial0: (unset) -> socket", "tablet: 1 -> removed"]);
    assert.deepEqual(pendingReasons([{ key: "cores", value: 4, pending: 4 }]), []);
  });

  it("asks every VM on its host with the API token and keeps the VMs with pending changes", async () => {
    requests.length = 0;
    const got = await readPendingReboots({ endpoint: url(plain, "http"), apiToken: TOKEN, insecure: false }, vms);
    assert.deepEqual(got, {
      "talos-cp-02": ["cores: 4 -> 6", "memory: 8192 -> 12288"],
      "talos-wrk-03": ["serial0: (unset) -> socket", "tablet: 1 -> removed"],
    });
    assert.deepEqual(
      requests.map((r) => r.url),
      plan.nodes.map((n) => `/api2/json/nodes/${n.host}/qemu/${n.vmId}/pending`),
    );
    assert.ok(requests.every((r) => r.auth === `PVEAPIToken=${TOKEN}`));
  });

  it("over TLS: a self-signed certificate needs `proxmox.insecure`, as for the provider", async () => {
    const api = { endpoint: url(tls, "https"), apiToken: TOKEN, insecure: true };
    assert.deepEqual(Object.keys(await readPendingReboots(api, vms)), ["talos-cp-02", "talos-wrk-03"]);
    await assert.rejects(readPendingReboots({ ...api, insecure: false }, vms), /self[- ]signed|certificate/i);
  });

  it("a refused token is an error (the program then falls back to the stack file and says so)", async () => {
    await assert.rejects(readPendingReboots({ endpoint: url(plain, "http"), apiToken: "x@pve!y=z", insecure: false }, vms), /HTTP 401/);
  });

  it("the advice names each VM with Proxmox's own reasons, control planes first", () => {
    const advice = vmRebootAdvice(
      pendingFromProxmox(plan, { "talos-wrk-03": ["serial0: (unset) -> socket"], "talos-cp-02": ["cores: 4 -> 6"] }),
    )!;
    assert.match(
      advice,
      /^2 VM\(s\) carry pending Proxmox hardware changes .*: talos-cp-02 \(VM 1012 on pve2: cores: 4 -> 6\); talos-wrk-03 \(VM 1016 on pve3: serial0: \(unset\) -> socket\)/,
    );
  });
});
