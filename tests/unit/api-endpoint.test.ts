import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import {
  CONFIG_MARKER,
  deployInput,
  HEALTH_CHECK_CERT_PATH,
  haproxyConfigForPlan,
  haproxyDeployScript,
  renderHaproxyConfig,
} from "../../core/haproxy/render";
import { HEALTH_CHECK_USER, healthCheckPem, issueHealthCheckCert, pem } from "../../core/haproxy/health-check-cert";
import { TEST_KUBERNETES_CA } from "../helpers/test-kubernetes-ca";
import { X509Certificate } from "node:crypto";
import { captureProgram, type CapturedResource } from "../helpers/capture";
import { tempDir } from "../helpers/tmp";
import { LOOPBACK_TLS } from "../helpers/loopback-tls";
import { invokes } from "../helpers/mocks";
import { problemsOf, stackInputs } from "../helpers/stacks";
import { buildPlan } from "../../core/plan/build-plan";

const haproxyMode = (c: Record<string, any>) => {
  c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.250", sshUser: "admin" } };
};
const kubeprismMode = (c: Record<string, any>) => {
  c.endpoint = { mode: "kubeprism", dnsName: "k8s.home.arpa" };
};
const withSsh = { secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: true } };

function planWith(mutate: (c: Record<string, any>) => void, name: string) {
  const inputs = stackInputs("homelab", withSsh);
  mutate(inputs.config as Record<string, any>);
  (inputs.config as Record<string, any>).clusterName = name;
  const r = buildPlan(inputs);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

const modes = {
  vip: planWith(() => {}, "m-vip"),
  kubeprism: planWith(kubeprismMode, "m-kubeprism"),
  haproxy: planWith(haproxyMode, "m-haproxy"),
};
const captured: Record<string, CapturedResource[]> = {};

before(async () => {
  for (const [mode, plan] of Object.entries(modes)) captured[mode] = await captureProgram(plan);
});

const configInvokes = (cluster: string) =>
  invokes.filter((i) => i.token === "talos:machine/getConfiguration:getConfiguration" && i.inputs.clusterName === cluster);
const talosconfigInvoke = (cluster: string) =>
  invokes.find((i) => i.token === "talos:client/getConfiguration:getConfiguration" && i.inputs.clusterName === cluster)!;

describe("API endpoint per mode (mocks)", () => {
  const expected = { vip: "https://192.168.0.200:6443", kubeprism: "https://k8s.home.arpa:6443", haproxy: "https://192.168.0.250:6443" };
  for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
    it(`${mode}: every machine config uses ${expected[mode]} as cluster endpoint`, () => {
      const cfgs = configInvokes(modes[mode].clusterName);
      assert.equal(cfgs.length, 7);
      for (const c of cfgs) assert.equal(c.inputs.clusterEndpoint, expected[mode]);
    });
    it(`${mode}: talosconfig endpoints are the control-plane IPs`, () => {
      assert.deepEqual(talosconfigInvoke(modes[mode].clusterName).inputs.endpoints, ["192.168.0.11", "192.168.0.12", "192.168.0.13"]);
    });
    it(`${mode}: KubePrism is enabled on every node`, () => {
      for (const a of captured[mode].filter((r) => r.type === "talos:machine/configurationApply:ConfigurationApply")) {
        assert.deepEqual(parse(a.props.configPatches[0]).machine.features.kubePrism, { enabled: true, port: 7445 });
      }
    });
  }
  it("only haproxy mode deploys HAProxy, over SSH, with the rendered config", () => {
    const cmd = (m: string) => captured[m].filter((r) => r.type === "command:remote:Command");
    assert.equal(cmd("vip").length, 0);
    assert.equal(cmd("kubeprism").length, 0);
    const [hp] = cmd("haproxy");
    // the SSH connection (with its private key) reaches the engine as a secret
    const SECRET_SIG = "4dabf18193072939515e22adb298388d";
    assert.ok(SECRET_SIG in hp.props.connection, "connection is a secret");
    const conn = hp.props.connection.value;
    assert.equal(conn.host, "192.168.0.250");
    assert.equal(conn.user, "admin");
    // stdin: the health-check certificate and key, then the config; a secret, since it holds the key
    assert.ok(SECRET_SIG in hp.props.stdin, "stdin is a secret");
    const [bundle, config] = hp.props.stdin.value.split(`\n${CONFIG_MARKER}\n`);
    assert.equal(config, haproxyConfigForPlan(modes.haproxy));
    assert.match(bundle, /^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN PRIVATE KEY-----/);
    assert.match(hp.props.create, /haproxy -c -f/);
    // a new config or certificate is an update (the same script), never a replace from the SDK's triggers rule
    assert.equal(hp.props.triggers, undefined);
    assert.equal(hp.props.update, hp.props.create);
  });
  it("haproxy mode: the health-check certificate is the cluster CA's, for a user with no groups, a client certificate for a year", () => {
    const [hp] = captured.haproxy.filter((r) => r.type === "command:remote:Command");
    const cert = new X509Certificate(hp.props.stdin.value.split(`\n${CONFIG_MARKER}\n`)[0]);
    const ca = new X509Certificate(pem(TEST_KUBERNETES_CA.cert));
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), "signed by the cluster's Kubernetes CA");
    assert.equal(cert.subject, `CN=${HEALTH_CHECK_USER}`, "no O=: the user is in no group but system:authenticated");
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"], "client authentication only");
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days > 364 && days < 366, `${days} days`);
  });
  it("the HAProxy backends are exactly the control-plane IPs", () => {
    const cfg = haproxyConfigForPlan(modes.haproxy);
    const servers = [...cfg.matchAll(/server \S+ (\S+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    const cps = modes.haproxy.controlPlanes.map((n) => n.ip);
    assert.deepEqual(servers.sort(), [...cps.map((ip) => `${ip}:6443`), ...cps.map((ip) => `${ip}:50000`)].sort());
  });
});

/** a test prerequisite the README lists: a missing one fails, naming it (nothing is skipped) */
function requireHaproxy(bin: string | undefined): void {
  if (!bin)
    throw new Error(
      "haproxy is not installed: the tests judge the config with the real haproxy (`apt-get install haproxy`, README Quickstart)",
    );
}

describe("HAProxy config checked by the real haproxy", () => {
  const haproxy = spawnSync("sh", ["-c", "command -v haproxy || ls /usr/sbin/haproxy"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  it("passes `haproxy -c -f`", async () => {
    requireHaproxy(haproxy);
    const dir = tempDir("haproxy");
    const file = path.join(dir, "haproxy.cfg");
    // haproxy loads the health-check certificate while it checks: one issued as the program does, in the sandbox
    const certFile = path.join(dir, "health-check.pem");
    fs.writeFileSync(certFile, healthCheckPem(await issueHealthCheckCert(TEST_KUBERNETES_CA)));
    fs.writeFileSync(file, haproxyConfigForPlan(modes.haproxy).replaceAll(HEALTH_CHECK_CERT_PATH, certFile));
    const out = execFileSync(haproxy, ["-c", "-f", file], { encoding: "utf8" });
    assert.match(out, /Configuration file is valid/);
  });
  it("and haproxy rejects a broken one (the check can fail)", () => {
    requireHaproxy(haproxy);
    const dir = tempDir("haproxy");
    const file = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(
      file,
      renderHaproxyConfig("0.0.0.0", [{ name: "a", ip: "10.0.0.1" }]).replace("balance roundrobin", "balance no-such-algo"),
    );
    const r = spawnSync(haproxy, ["-c", "-f", file], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
  });
});

const haproxyBin = spawnSync("sh", ["-c", "command -v haproxy || ls /usr/sbin/haproxy"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("HAProxy runs unprivileged, checks readiness, starts at boot", () => {
  const cfg = haproxyConfigForPlan(modes.haproxy);
  const globalLines = cfg
    .split("\ndefaults")[0]
    .split("\n")
    .map((l) => l.trim());
  it("keeps Debian's user, group and chroot", () => {
    for (const line of ["user haproxy", "group haproxy", "chroot /var/lib/haproxy"]) assert.ok(globalLines.includes(line), line);
  });
  it("no mode turns anonymous access to the API servers back on (Talos keeps it off)", () => {
    for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
      const applies = captured[mode].filter((r) => r.type === "talos:machine/configurationApply:ConfigurationApply");
      assert.equal(applies.length, 7);
      for (const a of applies) {
        assert.doesNotMatch(a.props.configPatches.join("\n"), /anonymous-auth/, `${mode} ${a.name}`);
        const apiServer = parse(a.props.configPatches[0]).cluster.apiServer;
        assert.equal(apiServer?.extraArgs, undefined, `${mode} ${a.name}`);
      }
    }
    assert.match(haproxyConfigForPlan(modes.haproxy), new RegExp(`check-ssl verify none crt ${HEALTH_CHECK_CERT_PATH} `));
  });

  /**
   * Real haproxy with the rendered config (faster checks, no privilege drop, socket and certificate
   * in the sandbox) against loopback API servers that, like kube-apiserver with anonymous access off,
   * refuse any request without a client certificate of the cluster's CA (401).
   */
  async function runHaproxy(t: { after(fn: () => void): void }, clientCert: string | undefined) {
    const dir = tempDir("haproxy-run");
    const k8sPort = 20000 + Math.floor(Math.random() * 20000);
    const talosPort = k8sPort + 1;
    const seen: Record<string, string[]> = { "127.0.0.2": [], "127.0.0.3": [] };
    const ca = pem(TEST_KUBERNETES_CA.cert);
    const apiServer = (ip: string, status: number) =>
      https
        .createServer({ ...LOOPBACK_TLS, ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
          const socket = req.socket as import("node:tls").TLSSocket;
          const peer = socket.getPeerCertificate();
          const user = socket.authorized ? peer.subject?.CN : undefined;
          seen[ip].push(`${req.method} ${req.url} ${user ?? "anonymous"}`);
          res.writeHead(user ? status : 401).end();
        })
        .listen(k8sPort, ip);
    const closers: Array<{ close(): unknown }> = [
      apiServer("127.0.0.2", 200),
      apiServer("127.0.0.3", 500),
      net.createServer((s) => s.end()).listen(talosPort, "127.0.0.2"),
    ];
    const certFile = path.join(dir, "health-check.pem");
    let config = renderHaproxyConfig(
      "127.0.0.1",
      [
        { name: "ready", ip: "127.0.0.2" },
        { name: "starting", ip: "127.0.0.3" },
      ],
      { kubernetes: k8sPort, talos: talosPort },
      certFile,
    )
      .replace(/^\s*(chroot|user|group) .*\n/gm, "")
      .replace("/run/haproxy/admin.sock", path.join(dir, "admin.sock"))
      .replace(/inter 3s/g, "inter 200ms");
    if (clientCert) fs.writeFileSync(certFile, clientCert, { mode: 0o600 });
    else config = config.replaceAll(` crt ${certFile}`, "");
    fs.writeFileSync(path.join(dir, "haproxy.cfg"), config);
    const proc = spawn(haproxyBin, ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: "ignore" });
    t.after(() => {
      proc.kill();
      for (const c of closers) c.close();
    });
    return { dir, seen };
  }
  async function haproxyStatus(dir: string) {
    const csv = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(path.join(dir, "admin.sock"));
      let out = "";
      sock
        .on("data", (d) => {
          out += d;
        })
        .on("end", () => resolve(out))
        .on("error", reject);
      sock.write("show stat\n");
    });
    const rows = csv.split("\n").map((l) => l.split(","));
    return Object.fromEntries(
      rows
        .filter((r) => r.length > 17 && !r[0].startsWith("#") && r[1] !== "FRONTEND" && r[1] !== "BACKEND")
        .map((r) => [`${r[0]}/${r[1]}`, r[17]]),
    );
  }

  it("without the client certificate the checks fail: every API server goes DOWN (anonymous access is off)", async (t) => {
    requireHaproxy(haproxyBin);
    const { dir, seen } = await runHaproxy(t, undefined);
    let last: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      await sleep(200);
      last = await haproxyStatus(dir).catch(() => ({}));
      if (last["kubernetes-api/ready"] === "DOWN" && last["kubernetes-api/starting"] === "DOWN") break;
    }
    assert.equal(last["kubernetes-api/ready"], "DOWN", JSON.stringify(last));
    assert.equal(last["kubernetes-api/starting"], "DOWN", JSON.stringify(last));
    assert.ok(seen["127.0.0.2"].length > 0 && seen["127.0.0.2"].every((r) => r === "GET /readyz anonymous"), seen["127.0.0.2"].join());
  });

  it("takes an API server that accepts TLS but is not ready out of rotation, and a dead apid", async (t) => {
    requireHaproxy(haproxyBin);
    const issued = await issueHealthCheckCert({ cert: TEST_KUBERNETES_CA.cert, key: TEST_KUBERNETES_CA.key });
    const { dir, seen } = await runHaproxy(t, healthCheckPem(issued));
    const status = () => haproxyStatus(dir);
    let last: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      await sleep(200);
      last = await status().catch(() => ({}));
      if (last["kubernetes-api/starting"] === "DOWN" && last["talos-api/starting"] === "DOWN") break;
    }
    assert.deepEqual(last, {
      "kubernetes-api/ready": "UP",
      "kubernetes-api/starting": "DOWN",
      "talos-api/ready": "UP",
      "talos-api/starting": "DOWN",
    });
    assert.ok(
      seen["127.0.0.2"].length > 0 && seen["127.0.0.2"].every((r) => r === `GET /readyz ${HEALTH_CHECK_USER}`),
      seen["127.0.0.2"].join(),
    );
  });

  it("the deploy script installs the certificate (0600, HAProxy's user), validates, installs, enables at boot and reloads; a broken config changes nothing", async () => {
    requireHaproxy(haproxyBin);
    const dir = tempDir("haproxy-deploy");
    fs.mkdirSync(path.join(dir, "bin"));
    // a stand-in systemctl that records its calls; haproxy -c is the real one
    fs.writeFileSync(path.join(dir, "bin", "systemctl"), `#!/bin/sh\necho "$*" >> ${dir}/systemctl.log\n`, { mode: 0o755 });
    const target = path.join(dir, "haproxy.cfg");
    const env = { ...process.env, PATH: `${path.join(dir, "bin")}:${path.dirname(haproxyBin)}:${process.env.PATH}` };
    const certPath = path.join(dir, "health-check.pem");
    // HAProxy's user where the package created it (CI installs haproxy as root), else ours
    const haproxyUser = spawnSync("id", ["-u", "haproxy"], { encoding: "utf8" });
    const owner =
      haproxyUser.status === 0 && process.getuid?.() === 0
        ? { spec: "haproxy:haproxy", uid: Number(haproxyUser.stdout.trim()) }
        : { spec: `${process.getuid?.()}:${process.getgid?.()}`, uid: process.getuid?.() };
    const bundle = healthCheckPem(await issueHealthCheckCert(TEST_KUBERNETES_CA));
    const deploy = (config: string) =>
      spawnSync("sh", ["-c", haproxyDeployScript(target, certPath, owner.spec)], {
        input: deployInput(bundle, config),
        env,
        encoding: "utf8",
      });
    const good = renderHaproxyConfig("127.0.0.1", [{ name: "a", ip: "10.0.0.1" }], undefined, certPath);
    fs.writeFileSync(certPath, ""); // `haproxy -c` loads the crt file: the deploy must put the real one there first
    const ok = deploy(good);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.readFileSync(target, "utf8"), good);
    assert.equal(fs.statSync(target).mode & 0o777, 0o644);
    assert.equal(fs.readFileSync(certPath, "utf8"), bundle, "the certificate and key, exactly as sent");
    assert.equal(fs.statSync(certPath).mode & 0o777, 0o600, "the key is readable by its owner only");
    assert.equal(fs.statSync(certPath).uid, owner.uid);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith("health-check.pem.")),
      [],
      "no leftover input or temp files",
    );
    assert.deepEqual(fs.readFileSync(path.join(dir, "systemctl.log"), "utf8").trim().split("\n"), [
      "enable haproxy",
      "reload-or-restart haproxy",
    ]);
    const broken = deploy(good.replace("balance roundrobin", "balance no-such-algo"));
    assert.notEqual(broken.status, 0);
    assert.equal(fs.readFileSync(target, "utf8"), good, "the running config is untouched");
    assert.equal(fs.readFileSync(path.join(dir, "systemctl.log"), "utf8").trim().split("\n").length, 2, "no reload after a failed check");
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith("haproxy.cfg.")).length,
      1,
      "the rejected file stays beside it for inspection",
    );
  });
});

describe("endpoint bad input", () => {
  it("rejects an unknown mode, haproxy without host or key, VIP problems, and pool problems at once", () => {
    const ps = problemsOf((c) => {
      c.endpoint = { mode: "carrier-pigeon" };
    });
    assert.ok(ps.some((p) => p.key === "homelab:endpoint.mode" && p.fix.includes("vip, kubeprism, haproxy")));
    const hp = problemsOf((c) => {
      c.endpoint = { mode: "haproxy" };
    });
    assert.ok(hp.some((p) => p.key === "homelab:endpoint.haproxy"));
    assert.ok(hp.some((p) => p.key === "homelab:haproxySshPrivateKey"));
    const vip = problemsOf((c) => {
      c.endpoint.vip = "192.168.0.1";
      c.lbPool = { start: "192.168.0.210", stop: "192.168.0.201" };
    });
    assert.ok(vip.some((p) => p.key === "homelab:endpoint.vip" && /gateway/.test(p.message)));
    assert.ok(vip.some((p) => p.key === "homelab:lbPool" && /after stop/.test(p.message)));
  });
  it("rejects a pool overlapping node IPs, the VIP, the pod or service CIDR, or outside the subnet", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ start: "192.168.0.10", stop: "192.168.0.20" }, /contains node IP/],
      [{ start: "192.168.0.195", stop: "192.168.0.205" }, /VIP 192\.168\.0\.200 is inside the LB pool/],
      [{ start: "10.20.0.1", stop: "10.20.0.9" }, /overlaps the pod CIDR/],
      [{ start: "10.96.0.1", stop: "10.96.0.9" }, /overlaps the service CIDR/],
      [{ start: "192.168.1.1", stop: "192.168.1.9" }, /not inside the node subnet/],
    ];
    for (const [pool, re] of cases) {
      const ps = problemsOf((c) => {
        c.lbPool = pool;
      });
      assert.ok(
        ps.some((p) => re.test(p.message)),
        `${JSON.stringify(pool)}: ${JSON.stringify(ps)}`,
      );
    }
  });
  it("rejects a VIP equal to a node IP or outside the subnet", () => {
    assert.ok(
      problemsOf((c) => {
        c.endpoint.vip = "192.168.0.13";
      }).some((p) => /API VIP/.test(p.message)),
    );
    assert.ok(
      problemsOf((c) => {
        c.endpoint.vip = "10.1.1.1";
      }).some((p) => p.key === "homelab:endpoint.vip" && /outside the node subnet/.test(p.message)),
    );
  });
});
