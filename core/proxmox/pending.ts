// What Proxmox itself says still waits for a VM's next cold restart. The provider cannot say: it reads a
// VM's config with `GET .../config`, which without `current=1` merges the pending values in
// (bpg v0.111.1 proxmox/nodes/vms/vms.go:143-156), and no resource or data source of v0.111.1 reads
// `.../pending`. So the program asks Proxmox directly, after the VMs were updated: a change stays listed
// until the VM was restarted, however many runs later, whatever the stack file says now.
import * as http from "node:http";
import * as https from "node:https";

/** One entry of `GET /nodes/{node}/qemu/{vmid}/pending` (PVE API): the current value, the pending one, a pending delete. */
export interface PendingItem {
  key: string;
  value?: unknown;
  pending?: unknown;
  delete?: number;
}

const show = (v: unknown) => (v === undefined ? "(unset)" : String(v));

/** The keys that wait for a restart, as `key: current -> pending` (or `key: removed`). */
export function pendingReasons(items: PendingItem[]): string[] {
  const out: string[] = [];
  for (const i of items) {
    if (!i || typeof i.key !== "string") continue;
    if (i.delete) out.push(`${i.key}: ${show(i.value)} -> removed`);
    else if (i.pending !== undefined && String(i.pending) !== String(i.value)) out.push(`${i.key}: ${show(i.value)} -> ${show(i.pending)}`);
  }
  return out;
}

export interface ProxmoxApi {
  /** https://pve:8006/ */
  endpoint: string;
  /** `user@realm!tokenid=uuid`, as the provider takes it */
  apiToken: string;
  insecure: boolean;
}

export interface VmRef {
  name: string;
  node: string;
  vmId: number;
}

function get(api: ProxmoxApi, path: string, timeoutMs: number): Promise<unknown> {
  const url = new URL(`api2/json/${path}`, api.endpoint.endsWith("/") ? api.endpoint : `${api.endpoint}/`);
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: "GET",
        headers: { Authorization: `PVEAPIToken=${api.apiToken}`, Accept: "application/json" },
        ...(url.protocol === "https:" ? { rejectUnauthorized: !api.insecure } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          if (res.statusCode !== 200)
            return reject(new Error(`GET ${url.pathname}: HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim()));
          try {
            resolve((JSON.parse(body) as { data?: unknown }).data);
          } catch (e) {
            reject(new Error(`GET ${url.pathname}: not JSON (${(e as Error).message})`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Pending restart reasons per VM name (VMs without any are left out). Rejects when Proxmox cannot be asked. */
export async function readPendingReboots(api: ProxmoxApi, vms: VmRef[], timeoutMs = 15000): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const vm of vms) {
    const data = await get(api, `nodes/${encodeURIComponent(vm.node)}/qemu/${vm.vmId}/pending`, timeoutMs);
    const reasons = pendingReasons(Array.isArray(data) ? (data as PendingItem[]) : []);
    if (reasons.length > 0) out[vm.name] = reasons;
  }
  return out;
}
