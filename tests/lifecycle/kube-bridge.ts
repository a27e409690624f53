// A Unix socket that leads to a Kubernetes API server on this machine's loopback. The lifecycle tier's
// network namespace has its own loopback, so a process inside it (the Talos API stand-in with
// -kube-upstream) cannot reach 127.0.0.1:<port> outside; a socket file can be opened from any
// namespace. The bridge is a child process of its own: the tests run the Pulumi CLI with spawnSync,
// which blocks this process's event loop for the whole run.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { KubeControlPlane } from "../helpers/kube-apiserver";

export interface KubeBridge {
  socket: string;
  /** the Talos API stand-in's flags that make the API server its upstream, through this socket */
  talosArgs: string[];
  stop(): void;
}

const BRIDGE = `
const net = require("node:net");
const [socket, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), "127.0.0.1");
  c.pipe(u); u.pipe(c);
  c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
}).listen(socket, () => console.log("READY"));
`;

export async function startKubeBridge(dir: string, kube: KubeControlPlane): Promise<KubeBridge> {
  const socket = path.join(dir, "kube-apiserver.sock");
  const port = new URL(kube.server).port;
  // the admin identity of the API server, as files for the stand-in
  const kc = parse(kube.admin.kubeconfig);
  const user = kc.users[0].user;
  const file = (name: string, base64: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, Buffer.from(base64, "base64"), { mode: 0o600 });
    return f;
  };
  const ca = path.join(dir, "kube-ca.crt");
  fs.writeFileSync(ca, kube.caCert);
  const cert = file("kube-admin.crt", user["client-certificate-data"]);
  const key = file("kube-admin.key", user["client-key-data"]);
  const child: ChildProcess = spawn(process.execPath, ["-e", BRIDGE, socket, port], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    child.stdout!.on("data", (d) => {
      if (String(d).includes("READY")) res();
    });
    child.on("exit", (code) => rej(new Error(`the Kubernetes API bridge exited with ${code}`)));
  });
  return {
    socket,
    talosArgs: [
      "-kube-upstream",
      kube.server,
      "-kube-upstream-ca",
      ca,
      "-kube-upstream-cert",
      cert,
      "-kube-upstream-key",
      key,
      "-kube-upstream-socket",
      socket,
    ],
    stop: () => {
      child.kill("SIGTERM");
    },
  };
}
