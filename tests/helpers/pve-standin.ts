// The Proxmox VE API simulator (tests/standins/pve-api/sim.ts) in this process, on loopback with the
// throwaway certificate: one node `pve1` with a `local` directory storage that takes `import` and `iso`
// and a `local-lvm` thin pool for disks. For tests that run the provider outside a network namespace
// (tests/e2e/image-download.test.ts); the lifecycle tier runs the simulator as its own process.
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { LOOPBACK_TLS } from "./loopback-tls";
import { tempDir } from "./tmp";
import { PveSimulator } from "../standins/pve-api/sim";

export interface PveRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  status?: number;
}
export interface PveStandin {
  endpoint: string;
  /** every request received, in order */
  readonly journal: PveRequest[];
  /** volids per `<node>/<storage>` */
  readonly files: Map<string, Set<string>>;
  /** a file that is there without any Pulumi state (left by a download whose run stopped) */
  addFile(node: string, storage: string, volid: string): void;
  sim: PveSimulator;
  close(): Promise<void>;
}

export const PVE_TOKEN = "test@pve!standin=00000000-0000-0000-0000-000000000000";

export async function startPveStandin(): Promise<PveStandin> {
  const dir = tempDir("pve-standin");
  const journalFile = path.join(dir, "journal.jsonl");
  const sim = new PveSimulator({
    token: PVE_TOKEN,
    journal: journalFile,
    nodes: [
      {
        name: "pve1",
        storages: [
          { id: "local", type: "dir", content: ["iso", "vztmpl", "backup", "import"] },
          { id: "local-lvm", type: "lvmthin", content: ["images", "rootdir"] },
        ],
      },
    ],
  });
  const server = await sim.listen({ host: "127.0.0.1", port: 0, tls: LOOPBACK_TLS });
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get journal() {
      return fs
        .readFileSync(journalFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => e.method);
    },
    get files() {
      const out = new Map<string, Set<string>>();
      for (const [k, vols] of sim.volumes) out.set(k, new Set(vols.map((v) => v.volid)));
      return out;
    },
    addFile: (node, _storage, volid) =>
      sim.addVolume(node, { volid, content: volid.split(":")[1].split("/")[0], format: "qcow2", size: 1048576 }),
    sim,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
