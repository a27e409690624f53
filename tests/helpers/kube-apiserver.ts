// A real Kubernetes control plane for tests, on loopback only: etcd (go.etcd.io/etcd/server/v3, embedded
// by tools/judges/etcd), the real kube-apiserver and the real kube-controller-manager (the garbage
// collector and the PVC-protection controller only: the Kubernetes provider deletes in the foreground,
// which only the garbage collector completes) of the pinned Kubernetes release, built by
// tools/toolchain/build-etcd.sh and build-kube-apiserver.sh into .toolchain/bin.
// Everything is per run, in a temporary folder: a CA, the API server's serving certificate, client
// certificates (authentication by client certificate only, anonymous access off, RBAC authorization),
// the service-account signing key and a kubeconfig. Cilium's CRDs (the pinned release the project
// fetches) are installed before the API server is handed out. `stop()` ends the three processes.
// No kubelet, scheduler or CNI runs: Pods are never started; Node objects are whatever a test creates.
import "reflect-metadata"; // @peculiar/x509's dependency injection (tsyringe) needs the polyfill
import * as x509 from "@peculiar/x509";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes, webcrypto } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ciliumCrdFile } from "./judges";
import { PROJECT_DIR } from "./stacks";
import { tempDir } from "./tmp";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const BIN = path.join(PROJECT_DIR, ".toolchain", "bin");
/** the Cilium CRDs the program's resources need, by their file in .toolchain/judges/cilium */
export const CILIUM_CRDS = ["ciliumloadbalancerippools.yaml", "ciliuml2announcementpolicies.yaml"];
/** Talos's own ServiceAccount CRD (copied from the Talos module by tools/toolchain/fetch-talos-crds.sh) */
export const TALOS_SA_CRD = path.join(PROJECT_DIR, ".toolchain", "kube-judges", "talos-service-account-crd.yaml");

/** Binaries the control plane needs, each with the setup step that builds it; empty: all there. */
export function kubeControlPlaneMissing(): string[] {
  const need: [string, string][] = [
    ["etcd", "tools/toolchain/build-etcd.sh"],
    ["kube-apiserver", "tools/toolchain/build-kube-apiserver.sh"],
    ["kube-controller-manager", "tools/toolchain/build-kube-apiserver.sh"],
  ];
  const missing = need
    .filter(([bin]) => !fs.existsSync(path.join(BIN, bin)))
    .map(
      ([bin, step]) => `${bin} is not built (.toolchain/bin/${bin}): run tools/setup-tests.sh (npm test runs it first; it calls ${step})`,
    );
  for (const crd of CILIUM_CRDS) {
    try {
      ciliumCrdFile(crd);
    } catch (e) {
      missing.push((e as Error).message);
    }
  }
  return missing;
}

/** `kube-apiserver --version` of the built binary, e.g. "v1.34.4". */
export function kubeApiServerVersion(): string {
  const r = spawnSync(path.join(BIN, "kube-apiserver"), ["--version"], { encoding: "utf8" });
  return /Kubernetes (\S+)/.exec(r.stdout)?.[1] ?? "unknown";
}

// ---------------------------------------------------------------------------------------------------
// Certificates (ECDSA P-256, valid one day, made fresh for every control plane)

export interface Pem {
  cert: string;
  key: string;
}
const EC = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };
const DAY = 86_400_000;

async function keyPem(k: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", k), "PRIVATE KEY")}\n`;
}

interface Ca {
  pem: Pem;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

async function makeCa(cn: string): Promise<Ca> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString("hex")}`,
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { pem: { cert: `${cert.toString("pem")}\n`, key: await keyPem(keys.privateKey) }, cert, key: keys.privateKey };
}

async function issue(ca: Ca, subject: string, opts: { server?: { dns: string[]; ips: string[] } }): Promise<Pem> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(15).toString("hex")}`,
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([opts.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false),
      ...(ski ? [new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)] : []),
      ...(opts.server
        ? [
            new x509.SubjectAlternativeNameExtension(
              [
                ...opts.server.dns.map((value) => ({ type: "dns" as const, value })),
                ...opts.server.ips.map((value) => ({ type: "ip" as const, value })),
              ],
              false,
            ),
          ]
        : []),
    ],
  });
  return { cert: `${cert.toString("pem")}\n`, key: await keyPem(keys.privateKey) };
}

// ---------------------------------------------------------------------------------------------------

/** `n` distinct free TCP ports on 127.0.0.1 (all held open together, then closed and handed out). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

export interface KubeAnswer {
  status: number;
  body: any;
  text: string;
}

export interface KubeClient {
  /** an HTTPS request to the API server with this client's certificate; JSON in, JSON (or text) out */
  request(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<KubeAnswer>;
  get(apiPath: string): Promise<KubeAnswer>;
  /** a kubeconfig for this identity */
  kubeconfig: string;
}

export interface KubeControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** cluster-admin (O=system:masters) */
  admin: KubeClient;
  /** a client certificate for any user and groups, signed by the cluster CA */
  clientFor(user: string, groups?: string[]): Promise<KubeClient>;
  /** a client with a certificate made elsewhere */
  withCertificate(pem: Pem, user: string): KubeClient;
  /** the admin kubeconfig, written to a file in the run's folder */
  kubeconfigFile: string;
  /** the CA's certificate (PEM) */
  caCert: string;
  /** the per-run CA itself (PEM certificate and key), for tests that sign as the cluster CA does */
  ca: Pem;
  /** what the three processes wrote (for failure messages) */
  logs(): string;
  /** installs a CRD (YAML text) and waits until it is Established and served */
  installCrd(yamlText: string): Promise<void>;
  stop(): Promise<void>;
}

function kubeconfigText(server: string, caCert: string, client: Pem, user: string): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority-data": b64(caCert) } }],
    users: [{ name: user, user: { "client-certificate-data": b64(client.cert), "client-key-data": b64(client.key) } }],
    contexts: [{ name: `${user}@test`, context: { cluster: "test", user } }],
    "current-context": `${user}@test`,
  });
}

function client(server: string, caCert: string, pem: Pem, user: string): KubeClient {
  const agent = new https.Agent({ ca: caCert, cert: pem.cert, key: pem.key, keepAlive: false });
  const request = (method: string, apiPath: string, body?: unknown, contentType = "application/json"): Promise<KubeAnswer> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = https.request(
        new URL(apiPath, server),
        {
          method,
          agent,
          timeout: 30_000,
          headers: {
            accept: "application/json",
            ...(data !== undefined ? { "content-type": contentType, "content-length": Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: timeout`)));
      if (data !== undefined) req.write(data);
      req.end();
    });
  return { request, get: (p) => request("GET", p), kubeconfig: kubeconfigText(server, caCert, pem, user) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failure that ends a wait at once (a process that exited), not a reason to try again. */
class Fatal extends Error {}

/** Polls `check` (a reason while not yet, undefined when done) until done or `ms` passed. */
export async function until(what: string, ms: number, check: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + ms;
  let why: string | undefined = "not tried";
  while (Date.now() < deadline) {
    try {
      why = await check();
    } catch (e) {
      if (e instanceof Fatal) throw e;
      why = (e as Error).message;
    }
    if (why === undefined) return;
    await sleep(250);
  }
  throw new Error(`${what}: not within ${ms / 1000}s (${why})`);
}

interface Proc {
  name: string;
  child: ChildProcess;
  out: string[];
}

function startProcess(name: string, bin: string, args: string[], cwd: string): Proc {
  const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const out: string[] = [];
  const keep = (c: Buffer) => {
    out.push(c.toString());
    if (out.length > 400) out.splice(0, out.length - 400);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { name, child, out };
}

function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    p.child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    p.child.kill("SIGTERM");
  });
}

/** The service range of the test cluster; the API server's own Service takes its first address. */
const SERVICE_CIDR = "10.96.0.0/24";

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on loopback and installs Cilium's CRDs.
 * Throws, naming the setup step, when a binary is missing; with the processes' output when one fails.
 */
export async function startKubeControlPlane(opts: { talosServiceAccountCrd?: boolean } = {}): Promise<KubeControlPlane> {
  const missing = kubeControlPlaneMissing();
  if (missing.length > 0) throw new Error(`the real Kubernetes control plane cannot start:\n- ${missing.join("\n- ")}`);
  // a port found free can be taken by another process before ours binds it: then once more, on new ports
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startOnce(opts: { talosServiceAccountCrd?: boolean }): Promise<KubeControlPlane> {
  const dir = tempDir("kube-apiserver");
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text, { mode: 0o600 });
    return f;
  };

  const ca = await makeCa("kubernetes-test-ca");
  const serving = await issue(ca, "CN=kube-apiserver", {
    server: {
      dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
      ips: ["127.0.0.1", "10.96.0.1"],
    },
  });
  const adminPem = await issue(ca, "CN=test-admin, O=system:masters", {});
  // the controllers run under the controller manager's own identity (no per-controller service
  // accounts, whose tokens need the token controller too); cluster-admin keeps that simple
  const controllerPem = await issue(ca, "CN=system:kube-controller-manager, O=system:masters", {});
  const sa = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const saKey = file("sa.key", await keyPem(sa.privateKey));
  const saPub = file("sa.pub", `${x509.PemConverter.encode(await webcrypto.subtle.exportKey("spki", sa.publicKey), "PUBLIC KEY")}\n`);
  const caFile = file("ca.crt", ca.pem.cert);
  const servingCert = file("apiserver.crt", serving.cert);
  const servingKey = file("apiserver.key", serving.key);

  const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
  const server = `https://127.0.0.1:${apiPort}`;
  const procs: Proc[] = [];
  const logs = () =>
    procs
      .map((p) => `--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? "running"}):\n${p.out.join("").slice(-6000)}`)
      .join("\n");
  const stop = async () => {
    for (const p of [...procs].reverse()) await stopProcess(p);
  };
  const failWith = async (e: unknown): Promise<never> => {
    const text = logs();
    await stop();
    throw new Error(`${(e as Error).message}\n${text}`);
  };

  try {
    fs.mkdirSync(path.join(dir, "etcd"), { mode: 0o700 });
    const etcd = startProcess(
      "etcd",
      path.join(BIN, "etcd"),
      ["--data-dir", path.join(dir, "etcd"), "--client-port", String(etcdClient), "--peer-port", String(etcdPeer)],
      dir,
    );
    procs.push(etcd);
    await until("etcd to serve", 60_000, async () => {
      if (etcd.child.exitCode !== null) throw new Fatal(`etcd exited ${etcd.child.exitCode}`);
      return etcd.out.join("").includes("etcd ready") ? undefined : "starting";
    });

    const apiserver = startProcess(
      "kube-apiserver",
      path.join(BIN, "kube-apiserver"),
      [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${servingCert}`,
        `--tls-private-key-file=${servingKey}`,
        // authentication: client certificates of the CA only; no anonymous requests, no tokens files
        `--client-ca-file=${caFile}`,
        "--anonymous-auth=false",
        "--authorization-mode=RBAC",
        `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--allow-privileged=true",
        "--profiling=false",
        // one client at a time here: API priority and fairness only costs CPU
        "--enable-priority-and-fairness=false",
        `--cert-dir=${path.join(dir, "certs")}`,
        "--v=0",
      ],
      dir,
    );
    procs.push(apiserver);
    const admin = client(server, ca.pem.cert, adminPem, "test-admin");
    await until("kube-apiserver to be ready", 180_000, async () => {
      if (apiserver.child.exitCode !== null) throw new Fatal(`kube-apiserver exited ${apiserver.child.exitCode}`);
      const r = await admin.get("/readyz");
      return r.status === 200 ? undefined : `readyz ${r.status}: ${r.text.slice(0, 300)}`;
    });
    // the bootstrap RBAC roles and the kube-system namespace are made by the API server's own hooks
    await until("kube-system and RBAC bootstrap", 60_000, async () => {
      const r = await admin.get("/api/v1/namespaces/kube-system");
      const rb = await admin.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin");
      return r.status === 200 && rb.status === 200 ? undefined : `kube-system ${r.status}, cluster-admin ${rb.status}`;
    });

    const cp: KubeControlPlane = {
      server,
      admin,
      caCert: ca.pem.cert,
      ca: ca.pem,
      kubeconfigFile: file("kubeconfig", admin.kubeconfig),
      async clientFor(user, groups = []) {
        const subject = [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(", ");
        return client(server, ca.pem.cert, await issue(ca, subject, {}), user);
      },
      withCertificate: (pem, user) => client(server, ca.pem.cert, pem, user),
      logs,
      async installCrd(yamlText) {
        await installCrd(admin, yamlText);
      },
      stop,
    };
    for (const crd of CILIUM_CRDS) await cp.installCrd(fs.readFileSync(ciliumCrdFile(crd), "utf8"));
    if (opts.talosServiceAccountCrd) {
      if (!fs.existsSync(TALOS_SA_CRD))
        throw new Error(
          `Talos's ServiceAccount CRD is missing (${path.relative(PROJECT_DIR, TALOS_SA_CRD)}): run tools/setup-tests.sh (tools/toolchain/fetch-talos-crds.sh)`,
        );
      await cp.installCrd(fs.readFileSync(TALOS_SA_CRD, "utf8"));
    }
    // started after the CRDs, so the garbage collector's first discovery already has their resources
    const controllerKubeconfig = file(
      "controller-manager.kubeconfig",
      kubeconfigText(server, ca.pem.cert, controllerPem, "system:kube-controller-manager"),
    );
    const controllerManager = startProcess(
      "kube-controller-manager",
      path.join(BIN, "kube-controller-manager"),
      [
        `--kubeconfig=${controllerKubeconfig}`,
        `--authentication-kubeconfig=${controllerKubeconfig}`,
        `--authorization-kubeconfig=${controllerKubeconfig}`,
        // the garbage collector completes foreground deletions (the Kubernetes provider's default); PVC
        // protection lifts its finalizer from an unused claim
        "--controllers=garbage-collector-controller,persistentvolumeclaim-protection-controller",
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--use-service-account-credentials=false",
        "--v=0",
      ],
      dir,
    );
    procs.push(controllerManager);
    // the garbage collector starts once it has read the API's discovery; a controller manager that
    // exited (a flag it refuses) would leave every foreground deletion hanging
    await until("kube-controller-manager's garbage collector", 120_000, async () => {
      if (controllerManager.child.exitCode !== null) throw new Fatal(`kube-controller-manager exited ${controllerManager.child.exitCode}`);
      return /Started "garbage-collector-controller"|"Started controller" controller="garbage-collector-controller"/.test(
        controllerManager.out.join(""),
      )
        ? undefined
        : "starting";
    });
    return cp;
  } catch (e) {
    return failWith(e);
  }
}

/** Creates a CRD (the YAML of one CustomResourceDefinition) and waits until it is Established and served. */
async function installCrd(admin: KubeClient, yamlText: string): Promise<void> {
  const crd = parseYaml(yamlText);
  delete crd.status; // a status in a manifest (Talos's testdata has one) is not the client's to set
  const r = await admin.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  if (r.status !== 201) throw new Error(`the API server refused the CRD ${crd.metadata?.name}: ${r.status} ${r.text}`);
  const name = crd.metadata.name;
  await until(`CRD ${name} Established`, 60_000, async () => {
    const g = await admin.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const est = (g.body?.status?.conditions ?? []).find((c: { type: string }) => c.type === "Established");
    return est?.status === "True" ? undefined : `Established: ${est?.status ?? "none"}`;
  });
  const served = crd.spec.versions.filter((v: { served: boolean }) => v.served).map((v: { name: string }) => v.name);
  for (const v of served) {
    await until(`${crd.spec.group}/${v} in discovery`, 60_000, async () => {
      const d = await admin.get(`/apis/${crd.spec.group}/${v}`);
      return d.status === 200 && (d.body?.resources ?? []).some((x: { name: string }) => x.name === crd.spec.names.plural)
        ? undefined
        : `discovery ${d.status}`;
    });
  }
}
