// Starts the Proxmox VE API simulator and the Image Factory stand-in as their own process inside a test's
// network namespace (`enter`: the namespace's argv prefix, Netns.enter), on the plan's endpoint address.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plan } from "../../../core/plan/types";
import { PROJECT_DIR } from "../../helpers/stacks";
import { tempDir } from "../../helpers/tmp";
import type { NodeDef } from "./sim";

export interface PveRequestEntry {
  t: number;
  method: string;
  path: string;
  params: Record<string, string>;
  status: number;
  error?: string;
  upid?: string;
}
export interface PveTaskEntry {
  t: number;
  event: "task";
  upid: string;
  type: string;
  id: string;
  node: string;
  exitstatus: string;
}
export interface FactoryEntry {
  t: number;
  server: "image-factory";
  method: string;
  path: string;
  status: number;
}
export interface PveState {
  vms: Record<
    string,
    {
      node: string;
      status: string;
      config: Record<string, string | number>;
      pending: Record<string, string | number>;
      pendingDelete: string[];
    }
  >;
  volumes: Record<string, { volid: string; content: string; format: string; size: number; vmid?: number }[]>;
}

export interface PveApiProcess {
  dir: string;
  endpoint: string;
  factoryUrl: string;
  requests(): PveRequestEntry[];
  tasks(): PveTaskEntry[];
  factory(): FactoryEntry[];
  state(): PveState;
  /** image versions the factory stand-in answers 404 for */
  refuseVersions(versions: string[]): void;
  stop(): void;
}

const lines = (f: string) =>
  fs.existsSync(f)
    ? fs
        .readFileSync(f, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

/** Hosts as the homelab plans them: `local` (directory: iso, backups, import) and `local-lvm` (thin pool: disks). */
export function nodesOf(plan: Plan, content: { import?: boolean } = {}): NodeDef[] {
  return plan.proxmox.hosts.map((h) => ({
    name: h.name,
    storages: [
      { id: h.imageDatastore, type: "dir" as const, content: ["iso", "vztmpl", "backup", ...(content.import === false ? [] : ["import"])] },
      ...(h.datastore !== h.imageDatastore ? [{ id: h.datastore, type: "lvmthin" as const, content: ["images", "rootdir"] }] : []),
    ],
  }));
}

export async function startPveApi(
  enter: string[],
  opts: { endpoint: string; factoryUrl: string; token: string; nodes: NodeDef[] },
): Promise<PveApiProcess> {
  const dir = tempDir("pve-api");
  const api = new URL(opts.endpoint);
  const factory = new URL(opts.factoryUrl);
  const cfg = {
    token: opts.token,
    nodes: opts.nodes,
    journal: path.join(dir, "journal.jsonl"),
    stateFile: path.join(dir, "state.json"),
    listen: { host: api.hostname, port: Number(api.port || 8006) },
    factory: {
      host: factory.hostname,
      port: Number(factory.port || 80),
      journal: path.join(dir, "factory.jsonl"),
      missingFile: path.join(dir, "factory-missing"),
    },
  };
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(cfg, null, 1));
  const [cmd, ...pre] = enter;
  const proc = spawn(cmd, [...pre, process.execPath, "--import", "tsx", path.join(__dirname, "main.ts"), path.join(dir, "config.json")], {
    cwd: PROJECT_DIR,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((res, rej) => {
    proc.stdout!.on("data", (d) => {
      if (String(d).includes("READY")) res();
    });
    proc.on("exit", (code) => rej(new Error(`Proxmox VE API simulator exited with ${code}`)));
  });
  return {
    dir,
    endpoint: opts.endpoint,
    factoryUrl: opts.factoryUrl,
    requests: () => lines(cfg.journal).filter((e) => e.method),
    tasks: () => lines(cfg.journal).filter((e) => e.event === "task"),
    factory: () => lines(cfg.factory.journal),
    state: () => JSON.parse(fs.readFileSync(cfg.stateFile, "utf8")),
    refuseVersions: (v) => fs.writeFileSync(cfg.factory.missingFile, v.join("\n")),
    stop: () => {
      proc.kill("SIGTERM");
    },
  };
}
