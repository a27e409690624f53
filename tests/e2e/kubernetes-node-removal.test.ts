// The node-removal command (core/talos/node-removal.ts) with the real kubectl against a real API server
// holding real Node objects (tests/helpers/kube-apiserver.ts). talosctl is a stand-in here, written by
// the test: it only hands out the API server's admin kubeconfig, as `talosctl kubeconfig` does on a
// control plane that answers (the Talos side of removal is tested with the real talosctl elsewhere).
// Nothing is skipped: a binary that is not built fails every test, naming its setup step.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { NODE_OBJECT_DELETE_SCRIPT } from "../../core/talos/node-removal";
import { type KubeControlPlane, kubeControlPlaneMissing, startKubeControlPlane } from "../helpers/kube-apiserver";
import { PROJECT_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tmp";

const KUBECTL = path.join(PROJECT_DIR, ".toolchain", "bin", "kubectl");
let cp: KubeControlPlane | undefined;

function missing(): string[] {
  return [
    ...kubeControlPlaneMissing(),
    ...(fs.existsSync(KUBECTL)
      ? []
      : ["kubectl is not built (.toolchain/bin/kubectl): run tools/setup-tests.sh (it calls tools/toolchain/build-kube-apiserver.sh)"]),
  ];
}

async function createNode(name: string, ip: string) {
  const r = await cp!.admin.request("POST", "/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: { addresses: [{ type: "InternalIP", address: ip }] },
  });
  assert.equal(r.status, 201, r.text);
}

/** Runs the removal script as the local Command does: /bin/sh -c, from the project, the real kubectl on PATH. */
function runRemoval(node: string, answering: string[], opts: { controlPlanes?: string; nodeIp?: string; serverHost?: string } = {}) {
  const dir = tempDir("node-removal");
  const kubeconfig = path.join(dir, "admin.kubeconfig");
  // serverHost: the kubeconfig names another host than the API server's (as one naming the node being removed)
  const text = opts.serverHost ? cp!.admin.kubeconfig.replace("https://127.0.0.1:", `https://${opts.serverHost}:`) : cp!.admin.kubeconfig;
  fs.writeFileSync(kubeconfig, text, { mode: 0o600 });
  const log = path.join(dir, "talosctl.log");
  // talosctl stand-in: answers only for the endpoints in ANSWERING, writing the kubeconfig where asked
  const talosctl = path.join(dir, "talosctl-standin");
  fs.writeFileSync(
    talosctl,
    `#!/bin/sh\necho "$*" >> "${log}"\ncase " $ANSWERING " in *" $4 "*) cp "${kubeconfig}" "$9"; exit 0;; esac\nexit 1\n`,
    { mode: 0o755 },
  );
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.symlinkSync(KUBECTL, path.join(bin, "kubectl"));
  const r = spawnSync("/bin/sh", ["-c", NODE_OBJECT_DELETE_SCRIPT], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: dir,
      TALOSCTL: talosctl,
      ANSWERING: answering.join(" "),
      NODE_NAME: node,
      CONTROL_PLANES: opts.controlPlanes ?? "192.168.0.12 192.168.0.13",
      TALOSCONFIG_DATA: "context: homelab\n",
      ...(opts.nodeIp ? { NODE_IP: opts.nodeIp } : {}),
    },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

describe("real Kubernetes: the node-removal command deletes the real Node object", () => {
  before(async () => {
    if (missing().length > 0) return;
    cp = await startKubeControlPlane();
  });
  after(async () => {
    await cp?.stop();
  });

  it("has everything it needs built", () => {
    assert.deepEqual(missing(), []);
  });

  it("deletes the removed node's object and only that one", async () => {
    assert.ok(cp, "the control plane did not start");
    await createNode("talos-wrk-04", "192.168.0.17");
    await createNode("talos-wrk-03", "192.168.0.16");
    const r = runRemoval("talos-wrk-04", ["192.168.0.13"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /node "talos-wrk-04" deleted/);
    assert.equal(r.calls.length, 2, "the first control plane did not answer, the second did");
    assert.equal((await cp.admin.get("/api/v1/nodes/talos-wrk-04")).status, 404);
    assert.equal((await cp.admin.get("/api/v1/nodes/talos-wrk-03")).status, 200, "the other node stays");
  });

  it("does nothing harmful and succeeds when the object is already gone (a retried removal)", async () => {
    assert.ok(cp, "the control plane did not start");
    const before = (await cp.admin.get("/api/v1/nodes")).body.items.map((n: any) => n.metadata.name);
    const r = runRemoval("talos-wrk-04", ["192.168.0.12"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /deleted/);
    const afterNames = (await cp.admin.get("/api/v1/nodes")).body.items.map((n: any) => n.metadata.name);
    assert.deepEqual(afterNames, before);
  });

  it("a kubeconfig naming the node being removed (kubeprism without dnsName) is pointed at the control plane that answered", async () => {
    assert.ok(cp, "the control plane did not start");
    await createNode("talos-cp-01", "192.168.0.11");
    // the removed node's address is 127.0.0.99 here, where nothing listens; the answering control plane is the API server's 127.0.0.1
    const stale = runRemoval("talos-cp-01", ["127.0.0.1"], { controlPlanes: "127.0.0.1", serverHost: "127.0.0.99" });
    assert.notEqual(stale.status, 0, "without NODE_IP the script cannot tell: kubectl goes to the reset node and fails");
    const r = runRemoval("talos-cp-01", ["127.0.0.1"], { controlPlanes: "127.0.0.1", serverHost: "127.0.0.99", nodeIp: "127.0.0.99" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /node "talos-cp-01" deleted/);
    assert.equal((await cp.admin.get("/api/v1/nodes/talos-cp-01")).status, 404);
  });

  it("leaves the object and names the manual command when no control plane answers", async () => {
    assert.ok(cp, "the control plane did not start");
    const r = runRemoval("talos-wrk-03", []);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /delete the Node object by hand: kubectl delete node talos-wrk-03/);
    assert.equal((await cp.admin.get("/api/v1/nodes/talos-wrk-03")).status, 200);
  });
});
