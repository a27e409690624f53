// The day-2 runner's Kubernetes gates (tools/day2/talos-day2.ts) against a real API server with real
// Node objects whose conditions the test changes (tests/helpers/kube-apiserver.ts): a node step waits
// until its Node is Ready, and fails naming the node when it never is; the Kubernetes step reads the real
// /version and the nodes' kubelet versions. Talos is the machine-API stand-in with the real talosctl, as in
// tests/lifecycle/day2.test.ts (here every node already runs the target release, so nothing is upgraded).
// Nothing is skipped: a binary that is not built fails every test, naming its setup step.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { type KubeControlPlane, kubeControlPlaneMissing, startKubeControlPlane } from "../helpers/kube-apiserver";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";
import { buildDay2Tools, type Standin, startStandin, talosctlPath, toLoopback } from "../helpers/talos-standin";

const TALOS = "v1.11.5";
const plan = stackPlan("homelab", (c) => {
  c.clusterName = "readytest";
  c.versions = { ...c.versions, talos: TALOS };
});
let cp: KubeControlPlane | undefined;
let standin: Standin | undefined;

/** Runs a day-2 step as the command resource does; `during` runs while it is running. */
function runStep(
  args: string[],
  env: Record<string, string>,
  during?: (out: () => string) => Promise<void>,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "tools", "day2", "talos-day2.ts"), ...args], {
      cwd: PROJECT_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TALOSCONFIG_DATA: standin!.talosconfig,
        KUBECONFIG_DATA: cp!.admin.kubeconfig,
        TALOSCTL: talosctlPath(),
        POLL_INTERVAL_MS: "200",
        REBOOT_TIMEOUT_S: "30",
        CONTROL_PLANES: plan.controlPlanes.map((n) => `${n.name}=${toLoopback(n.ip)}`).join(","),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const done = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    (during ? during(() => out) : Promise.resolve()).then(
      async () => resolve({ status: await done, out }),
      (e) => {
        child.kill();
        reject(e);
      },
    );
  });
}

const nodeStep = (name: string, role: string) => {
  const n = plan.nodes.find((x) => x.name === name)!;
  return {
    NODE_NAME: name,
    NODE_IP: toLoopback(n.ip),
    NODE_ROLE: role,
    TALOS_VERSION: TALOS,
    INSTALLER_IMAGE: `factory.talos.dev/installer/x:${TALOS}`,
  };
};

async function createNode(name: string, ready: boolean, kubelet: string) {
  const r = await cp!.admin.request("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });
  assert.equal(r.status, 201, r.text);
  await setNode(name, ready, kubelet);
}

/** what a kubelet reports: the Ready condition and its version, through the status subresource */
async function setNode(name: string, ready: boolean, kubelet: string) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const r = await cp!.admin.request(
    "PATCH",
    `/api/v1/nodes/${name}/status`,
    {
      status: {
        conditions: [
          {
            type: "Ready",
            status: ready ? "True" : "False",
            reason: ready ? "KubeletReady" : "KubeletNotReady",
            message: "set by the test",
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        nodeInfo: {
          kubeletVersion: kubelet,
          machineID: "",
          systemUUID: "",
          bootID: "",
          kernelVersion: "",
          osImage: "Talos",
          containerRuntimeVersion: "",
          kubeProxyVersion: "",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    },
    "application/strategic-merge-patch+json",
  );
  assert.equal(r.status, 200, r.text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real Kubernetes: the day-2 runner's readiness gates against real Node objects", { timeout: 300_000 }, () => {
  before(async () => {
    if (kubeControlPlaneMissing().length > 0) return;
    buildDay2Tools();
    cp = await startKubeControlPlane();
    standin = await startStandin(plan, { version: TALOS, rebootMs: 500, readyMs: 100 });
  });
  after(async () => {
    standin?.stop();
    await cp?.stop();
  });

  it("has everything it needs built", () => {
    assert.deepEqual(kubeControlPlaneMissing(), []);
  });

  it("a node step waits while its Node is NotReady and finishes once the kubelet reports Ready", async () => {
    assert.ok(cp && standin, "the control plane did not start");
    const version = (await cp.admin.get("/version")).body.gitVersion;
    await createNode("talos-wrk-01", false, version);
    const r = await runStep(["node", "create"], nodeStep("talos-wrk-01", "worker"), async (out) => {
      // the runner must be seen waiting on the real object before it turns Ready
      const deadline = Date.now() + 60_000;
      while (!/waiting: node talos-wrk-01 not Ready/.test(out())) {
        if (Date.now() > deadline) throw new Error(`the runner never waited for Ready:\n${out()}`);
        await sleep(200);
      }
      await setNode("talos-wrk-01", true, version);
    });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /talos-wrk-01 runs v1\.11\.5, Ready/);
  });

  it("a node step whose Node object does not exist fails naming the node and the API's answer", async () => {
    assert.ok(cp && standin, "the control plane did not start");
    const r = await runStep(["node", "create"], { ...nodeStep("talos-wrk-02", "worker"), REBOOT_TIMEOUT_S: "3" });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /timed out after 3s waiting for talos-wrk-02 to be Ready: node talos-wrk-02: Kubernetes API answered 404/);
  });

  it("the Kubernetes step reads the real API server's version and the kubelets': nothing to upgrade when all run it", async () => {
    assert.ok(cp && standin, "the control plane did not start");
    const version = (await cp.admin.get("/version")).body.gitVersion;
    for (const n of plan.nodes.filter((x) => x.name !== "talos-wrk-01")) await createNode(n.name, true, version);
    const r = await runStep(["kubernetes", "update"], { KUBERNETES_VERSION: version });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`Kubernetes already at ${version.replace(/\./g, "\\.")} \\(update\\)`));
  });

  it("a control plane's step waits for its API server, controller manager and scheduler pods to be Ready", async () => {
    assert.ok(cp && standin, "the control plane did not start");
    const version = (await cp.admin.get("/version")).body.gitVersion;
    const node = "talos-cp-02";
    if ((await cp.admin.get(`/api/v1/nodes/${node}`)).status !== 200) await createNode(node, true, version);
    // the pods' service account (the admission plugin wants it; no controller makes it here)
    await cp.admin.request("POST", "/api/v1/namespaces/kube-system/serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default" },
    });
    // the mirror pods as the kubelet makes them from Talos's static pods: bound to the node, Talos's labels
    const mirror = async (app: string, ready: boolean) => {
      const name = `${app}-${node}`;
      if ((await cp!.admin.get(`/api/v1/namespaces/kube-system/pods/${name}`)).status === 404) {
        const c = await cp!.admin.request("POST", "/api/v1/namespaces/kube-system/pods", {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name, labels: { tier: "control-plane", "k8s-app": app } },
          spec: { nodeName: node, containers: [{ name: app, image: `registry.k8s.io/${app}:${version}` }] },
        });
        assert.equal(c.status, 201, c.text);
      }
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const r = await cp!.admin.request(
        "PATCH",
        `/api/v1/namespaces/kube-system/pods/${name}/status`,
        {
          status: { conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now }] },
        },
        "application/strategic-merge-patch+json",
      );
      assert.equal(r.status, 200, r.text);
    };
    // the scheduler's pod is missing at first, then not Ready
    await mirror("kube-apiserver", true);
    await mirror("kube-controller-manager", true);
    const r = await runStep(["node", "create"], nodeStep(node, "controlplane"), async (out) => {
      const wait = async (what: RegExp) => {
        const deadline = Date.now() + 60_000;
        while (!what.test(out())) {
          if (Date.now() > deadline) throw new Error(`the runner never waited (${what}):\n${out()}`);
          await sleep(200);
        }
      };
      await wait(/waiting: static pods of talos-cp-02: kube-scheduler missing/);
      await mirror("kube-scheduler", false);
      await wait(/waiting: static pods of talos-cp-02: kube-scheduler not Ready/);
      await mirror("kube-scheduler", true);
    });
    assert.equal(r.status, 0, r.out);
    assert.match(
      r.out,
      /talos-cp-02 runs v1\.11\.5, Ready, its API server, controller manager and scheduler Ready, etcd healthy with every member/,
    );
  });
});
