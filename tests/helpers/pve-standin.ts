// A stand-in for the few Proxmox VE API calls bpg's `download.File` makes (v0.111.1,
// fwprovider/nodes/resource_download_file.go: Create, Read, Delete), over HTTPS on loopback with the
// throwaway certificate, answering as PVE does: storage content per node and storage, `download-url`
// refusing an existing file with HTTP 500 "refusing to override existing file '<path>'" (the reason
// phrase carries PVE's message), tasks that finish at once. Every request is journalled.
import * as https from "node:https";
import { AddressInfo } from "node:net";
import { LOOPBACK_TLS } from "./loopback-tls";

export interface PveRequest { method: string; path: string; params: Record<string, string> }
export interface PveStandin {
  endpoint: string;
  journal: PveRequest[];
  /** volids per `<node>/<storage>` */
  files: Map<string, Set<string>>;
  /** a file that is there without any Pulumi state (left by a download whose run stopped) */
  addFile(node: string, storage: string, volid: string): void;
  close(): Promise<void>;
}

export const PVE_TOKEN = "test@pve!standin=00000000-0000-0000-0000-000000000000";

export async function startPveStandin(): Promise<PveStandin> {
  const journal: PveRequest[] = [];
  const files = new Map<string, Set<string>>();
  const store = (node: string, storage: string) => { const k = `${node}/${storage}`; if (!files.has(k)) files.set(k, new Set()); return files.get(k)!; };
  const server = https.createServer({ key: LOOPBACK_TLS.key, cert: LOOPBACK_TLS.cert }, (req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://pve");
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      if (body) {
        const ct = req.headers["content-type"] ?? "";
        Object.assign(params, ct.includes("json") ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body)));
      }
      const path = decodeURIComponent(url.pathname.replace(/^\/api2\/json/, ""));
      journal.push({ method: req.method ?? "", path, params });
      const ok = (data: unknown) => { res.writeHead(200, { "Content-Type": "application/json" }); res.end(JSON.stringify({ data })); };
      const fail = (code: number, reason: string) => { res.writeHead(code, reason, { "Content-Type": "application/json" }); res.end(JSON.stringify({ data: null })); };
      if (req.headers.authorization !== `PVEAPIToken=${PVE_TOKEN}`) return fail(401, "authentication failure");
      let m: RegExpExecArray | null;
      if (req.method === "GET" && path === "/version") return ok({ version: "8.4.1", release: "8.4", repoid: "standin" });
      if (req.method === "GET" && (m = /^\/nodes\/([^/]+)\/query-url-metadata$/.exec(path))) {
        return ok({ filename: "nocloud-amd64.qcow2", size: 1048576, mimetype: "application/octet-stream" });
      }
      if (req.method === "POST" && (m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/download-url$/.exec(path))) {
        const volid = `${m[2]}:${params.content}/${params.filename}`;
        const s = store(m[1], m[2]);
        if (s.has(volid)) return fail(500, `refusing to override existing file '/var/lib/vz/${params.content}/${params.filename}'`);
        s.add(volid);
        return ok(`UPID:${m[1]}:00001234:00005678:65000000:download:${params.filename}:test@pve!standin:`);
      }
      if (req.method === "GET" && (m = /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/status$/.exec(path))) {
        return ok({ status: "stopped", exitstatus: "OK", pid: 1234, upid: m[2], node: m[1] });
      }
      if (req.method === "GET" && (m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content$/.exec(path))) {
        const content = params.content;
        return ok([...store(m[1], m[2])].filter((v) => !content || v.startsWith(`${m![2]}:${content}/`))
          .map((volid) => ({ volid, content: volid.split(":")[1].split("/")[0], format: "qcow2", size: 1048576 })));
      }
      if (req.method === "DELETE" && (m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content\/(.+)$/.exec(path))) {
        const s = store(m[1], m[2]);
        const volid = m[3].includes(":") ? m[3] : `${m[2]}:${m[3]}`;
        if (!s.delete(volid)) return fail(500, `volume '${volid}' does not exist`);
        return ok(null);
      }
      return fail(501, `stand-in: no ${req.method} ${path}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    journal, files,
    addFile: (node, storage, volid) => { store(node, storage).add(volid); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
