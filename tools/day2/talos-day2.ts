// The day-2 steps the program's command resources run (components/TalosUpgrade.ts):
//   snapshot create|update  etcd snapshot into SNAPSHOT_DIR before an upgrade, or (SNAPSHOT_WHEN=
//                     before-membership-change) before a control plane joins, is replaced or leaves;
//                     keeps the newest SNAPSHOT_KEEP
//   node create|update make one node run INSTALLER_IMAGE: upgrade it if needed, wait for the reboot,
//                     the new version, Kubernetes Ready and (control planes) a healthy etcd with every member
//   kubernetes create|update  `talosctl upgrade-k8s` once Talos is rolled, when the API server or a
//                     kubelet runs another version
//   gate create|update after a running control plane's config changed: it answers, etcd healthy with
//                     every member, before the next control plane's config is applied
//   etcd-removal      removes the etcd member of a control plane marked unreachable
// create and update decide alike, on what runs: a step whose resource was created anew (a new node,
// a replaced resource) has no previous output, so what the cluster reports must decide.
// Inputs come from the environment (the talosconfig and kubeconfig as secrets, never on a command
// line); the talosconfig is written to a private temporary file for talosctl and removed afterwards.
// Re-running a step is safe: a step that finished prints a mark the next run reads back from
// PULUMI_COMMAND_STDOUT, and a node already on its image is only checked, not upgraded again.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
  etcdMemberAddresses,
  etcdMemberNames,
  etcdStatusHealthy,
  lastMark,
  serverTag,
  STDOUT_MARK,
  talosctlArgs,
  talosReasons,
  upgradeHasLifecycleFlags,
  upgradeRefusal,
} from "../../core/day2/talosctl";
import { locateTalosctl } from "../../core/day2/find-talosctl";

const env = process.env;
const log = (msg: string) => console.log(`[${new Date().toISOString()}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const need = (k: string) => {
  const v = env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const POLL_MS = Number(env.POLL_INTERVAL_MS ?? 5000);
const TIMEOUT_MS = Number(env.REBOOT_TIMEOUT_S ?? 900) * 1000;
// The upgrade call returns only after the node pulled and validated the installer image (talos v1.13.0
// internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go Upgrade:
// install.PullAndValidateInstallerImage before the reply): 900 s lets a ~400 MB installer with
// extensions come over a 4 Mbit/s link. Killing the call early leaves the node as it was (nothing
// runs client-side on the legacy path), so a longer limit costs nothing on a fast link.
const UPGRADE_CALL_TIMEOUT_MS = Number(env.UPGRADE_CALL_TIMEOUT_S ?? 900) * 1000;

/** The project folder (this file is tools/day2/talos-day2.ts), where the project's talosctl build lives. */
const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const talosctlPath = () => locateTalosctl(PROJECT_DIR, env);

let talosconfigFile: string | undefined;
function talosconfig(): string {
  if (!talosconfigFile) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-day2-"));
    talosconfigFile = path.join(dir, "talosconfig");
    fs.writeFileSync(talosconfigFile, need("TALOSCONFIG_DATA"), { mode: 0o600 });
  }
  return talosconfigFile;
}
function cleanup() {
  if (talosconfigFile) fs.rmSync(path.dirname(talosconfigFile), { recursive: true, force: true });
}

interface Result {
  ok: boolean;
  out: string;
}
function talosctl(args: string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      talosctlPath(),
      ["--talosconfig", talosconfig(), ...args],
      { timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        resolve({ ok: !err, out: `${stdout}${stderr}` });
      },
    );
  });
}

/** "name=ip,name=ip" */
function controlPlanes(): { name: string; ip: string }[] {
  return need("CONTROL_PLANES")
    .split(",")
    .filter(Boolean)
    .map((p) => {
      const [name, ip] = p.split("=");
      return { name, ip };
    });
}

/** talosctl's own reason for a failed call (its last error line), so a message says why, not only that */
function talosctlError(out: string): string {
  return (
    out
      .split("\n")
      .filter((l) => /error|rpc/i.test(l))
      .pop()
      ?.trim() ?? out.trim()
  );
}

let lastVersionError = "";
async function version(ip: string): Promise<string | undefined> {
  const r = await talosctl(talosctlArgs.version(ip), 20_000);
  if (!r.ok) lastVersionError = talosctlError(r.out);
  return r.ok ? serverTag(r.out) : undefined;
}

/** why `etcd status` of a control plane does not count as healthy: talosctl's error, or the table's */
const etcdUnhealthy = (name: string, r: Result) => `etcd on ${name} not healthy${r.ok ? "" : ` (${talosctlError(r.out)})`}`;

/** etcd is healthy with every member: each control plane answers `etcd status` without errors, and the member list has them all. */
async function etcdHealthy(): Promise<string | undefined> {
  const cps = controlPlanes();
  for (const cp of cps) {
    const s = await talosctl(talosctlArgs.etcdStatus(cp.ip), 20_000);
    if (!s.ok || !etcdStatusHealthy(s.out)) return etcdUnhealthy(cp.name, s);
  }
  const m = await talosctl(talosctlArgs.etcdMembers(cps[0].ip), 20_000);
  const names = m.ok ? etcdMemberNames(m.out) : [];
  const missing = cps.filter((cp) => !names.includes(cp.name)).map((cp) => cp.name);
  return missing.length ? `etcd members missing: ${missing.join(", ")}` : undefined;
}

async function until(what: string, check: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let last = "";
  for (;;) {
    const problem = await check();
    if (problem === undefined) return;
    if (problem !== last) log(`waiting: ${problem}`);
    last = problem;
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_MS / 1000}s waiting for ${what}: ${problem}`);
    await sleep(POLL_MS);
  }
}

type KubeAnswer = { status: number; body: any } | { error: string };
/** GET from the Kubernetes API with the cluster's kubeconfig. */
function kubeGet(apiPath: string): Promise<KubeAnswer> {
  const kc = parse(env.KUBECONFIG_DATA!);
  const cluster = kc.clusters?.[0]?.cluster ?? {};
  const user = kc.users?.[0]?.user ?? {};
  const b64 = (s?: string) => (s ? Buffer.from(s, "base64") : undefined);
  const url = new URL(apiPath, env.KUBE_API_SERVER ?? cluster.server);
  return new Promise((resolve) => {
    const req = https.get(
      url,
      {
        ca: b64(cluster["certificate-authority-data"]),
        cert: b64(user["client-certificate-data"]),
        key: b64(user["client-key-data"]),
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", (e) => resolve({ error: e.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

/** Kubernetes Ready condition of the node, read from the API with the cluster's kubeconfig. */
async function nodeReady(name: string): Promise<string | undefined> {
  if (!env.KUBECONFIG_DATA) return undefined;
  const r = await kubeGet(`/api/v1/nodes/${encodeURIComponent(name)}`);
  if ("error" in r) return `node ${name}: Kubernetes API unreachable (${r.error})`;
  if (r.status !== 200) return `node ${name}: Kubernetes API answered ${r.status}`;
  const ready = (r.body?.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
  return ready?.status === "True" ? undefined : `node ${name} not Ready`;
}

/** The Node's boot ID (status.nodeInfo.bootID, new with every boot); undefined when it cannot be read. */
async function bootId(name: string): Promise<string | undefined> {
  return (await nodeFacts(name))?.bootId;
}

/** The Node's boot ID and spec.unschedulable; undefined when it cannot be read. */
async function nodeFacts(name: string): Promise<{ bootId?: string; unschedulable: boolean } | undefined> {
  if (!env.KUBECONFIG_DATA) return undefined;
  const r = await kubeGet(`/api/v1/nodes/${encodeURIComponent(name)}`);
  if ("error" in r || r.status !== 200) return undefined;
  const id = r.body?.status?.nodeInfo?.bootID;
  return { bootId: typeof id === "string" && id !== "" ? id : undefined, unschedulable: r.body?.spec?.unschedulable === true };
}

/**
 * Back in Kubernetes after an upgrade: the kubelet re-registered from the new boot (the Node's bootID
 * is not the one from before the upgrade; the Ready condition alone can still be the old one, as the
 * node-lifecycle controller marks a Node NotReady only after its grace period), the Node is Ready, and
 * it is schedulable again when it was before (Talos uncordons only what its upgrade cordoned: talos
 * v1.13.0 internal/app/machined/pkg/controllers/k8s/node_apply.go ApplyCordoned).
 */
async function nodeBack(name: string, before: { bootId?: string; unschedulable: boolean } | undefined): Promise<string | undefined> {
  const facts = await nodeFacts(name);
  if (before?.bootId !== undefined && facts?.bootId === before.bootId)
    return `node ${name}: its kubelet has not registered since the reboot (bootID ${before.bootId})`;
  const notReady = await nodeReady(name);
  if (notReady) return notReady;
  if (before && !before.unschedulable && facts?.unschedulable) return `node ${name} is still cordoned`;
  return undefined;
}

/** The control-plane components Talos runs as static pods on every control plane (labels tier and k8s-app). */
const CONTROL_PLANE_PODS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

/**
 * The control plane's static pods are back: Talos labels them `tier: control-plane` and `k8s-app:
 * <component>` (talos internal/app/machined/pkg/controllers/k8s/control_plane_static_pod.go), and the
 * kubelet mirrors each into the API as a pod bound to its node. Each of the three must be Ready.
 */
async function staticPodsReady(name: string): Promise<string | undefined> {
  if (!env.KUBECONFIG_DATA) return undefined;
  const q = `labelSelector=${encodeURIComponent("tier=control-plane")}&fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`;
  const r = await kubeGet(`/api/v1/namespaces/kube-system/pods?${q}`);
  if ("error" in r) return `static pods of ${name}: Kubernetes API unreachable (${r.error})`;
  if (r.status !== 200) return `static pods of ${name}: Kubernetes API answered ${r.status}`;
  const pods: any[] = r.body?.items ?? [];
  const problems = CONTROL_PLANE_PODS.flatMap((app) => {
    const pod = pods.find((p) => p.metadata?.labels?.["k8s-app"] === app);
    if (!pod) return [`${app} missing`];
    const ready = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
    return ready?.status === "True" ? [] : [`${app} not Ready`];
  });
  return problems.length ? `static pods of ${name}: ${problems.join(", ")}` : undefined;
}

/**
 * What does not run Kubernetes `to` yet: the API server (/version) and each node's kubelet
 * (/api/v1/nodes). undefined when the API cannot be read.
 */
async function kubernetesBehind(to: string): Promise<string[] | undefined> {
  if (!env.KUBECONFIG_DATA) return undefined;
  const [v, n] = await Promise.all([kubeGet("/version"), kubeGet("/api/v1/nodes")]);
  if ("error" in v || "error" in n || v.status !== 200 || n.status !== 200) return undefined;
  const norm = (s: unknown) => (typeof s === "string" ? `v${s.replace(/^v/, "").replace(/\+.*$/, "")}` : "(none)");
  const behind: string[] = [];
  if (norm(v.body?.gitVersion) !== norm(to)) behind.push(`kube-apiserver ${norm(v.body?.gitVersion)}`);
  for (const item of n.body?.items ?? []) {
    const kubelet = norm(item.status?.nodeInfo?.kubeletVersion);
    if (kubelet !== norm(to)) behind.push(`kubelet of ${item.metadata?.name} ${kubelet}`);
  }
  return behind;
}

/** The control planes a step's last successful run recorded (PULUMI_COMMAND_STDOUT), as CONTROL_PLANES reads. */
function recordedControlPlanes(): { name: string; ip: string }[] {
  const mark = lastMark(env.PULUMI_COMMAND_STDOUT, STDOUT_MARK.controlPlanes) ?? "";
  return mark
    .split(",")
    .filter(Boolean)
    .map((p) => {
      const [name, ip] = p.split("=");
      return { name, ip };
    });
}

/** A control plane whose etcd answers healthy, among the planned and the recorded ones (a set change). */
async function healthyEtcdSource(): Promise<{ name: string; ip: string } | undefined> {
  const seen = new Set<string>();
  for (const cp of [...recordedControlPlanes(), ...controlPlanes()]) {
    if (seen.has(cp.ip)) continue;
    seen.add(cp.ip);
    const s = await talosctl(talosctlArgs.etcdStatus(cp.ip), 20_000);
    if (s.ok && etcdStatusHealthy(s.out)) return cp;
  }
  return undefined;
}

/** Keeps the newest `keep` snapshots of this cluster in dir (names sort by their UTC time). */
function prune(dir: string, cluster: string, keep: number): void {
  const ours = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${cluster}-`) && /-\d{8}T\d{6,9}Z\.db$/.test(f))
    .sort();
  for (const f of ours.slice(0, Math.max(0, ours.length - keep))) {
    fs.rmSync(path.join(dir, f));
    log(`removed the old snapshot ${f} (upgrade.keepSnapshots: ${keep})`);
  }
}

/**
 * snapshot: before an upgrade (after the configs are applied; every planned control plane must be a
 * healthy member). SNAPSHOT_WHEN=before-membership-change: before a control plane joins, is replaced or
 * leaves (the step runs before the nodes' VMs and configs); any healthy member of the old or the new set
 * is the source, and when this step is created and no control plane answers, the cluster is new and has
 * nothing to save yet.
 */
async function snapshot(mode: string): Promise<void> {
  const dir = path.resolve(need("SNAPSHOT_DIR"));
  const cluster = need("CLUSTER_NAME");
  const beforeChange = env.SNAPSHOT_WHEN === "before-membership-change";
  const record = () => console.log(`${STDOUT_MARK.controlPlanes} ${need("CONTROL_PLANES")}`);
  let sources = controlPlanes();
  if (beforeChange) {
    let source = await healthyEtcdSource();
    if (!source && mode === "create") {
      log("no control plane answers with a healthy etcd: a new cluster, nothing to save before it forms");
      record();
      return;
    }
    // a running cluster's etcd may be recovering: wait for a healthy member as long as any other wait
    if (!source)
      await until("a healthy etcd member before the control-plane change", async () =>
        (source = await healthyEtcdSource()) ? undefined : "no control plane reports a healthy etcd",
      );
    sources = [source!];
  } else {
    // a new cluster's etcd may still be starting; a running one is checked before anything changes
    await until("etcd before the snapshot", etcdHealthy);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // milliseconds too: two steps of one run may both take one
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const file = path.join(dir, `${cluster}-${stamp}.db`);
  for (const cp of sources) {
    const r = await talosctl(talosctlArgs.etcdSnapshot(cp.ip, file), 600_000);
    if (r.ok && fs.existsSync(file) && fs.statSync(file).size > 0) {
      fs.chmodSync(file, 0o600);
      log(`etcd snapshot from ${cp.name}: ${file} (${fs.statSync(file).size} bytes)`);
      prune(dir, cluster, Number(env.SNAPSHOT_KEEP ?? 10));
      record();
      return;
    }
    log(`snapshot from ${cp.name} failed: ${r.out.trim()}`);
  }
  throw new Error(`no control plane could take an etcd snapshot; nothing ${beforeChange ? "joined or left" : "was upgraded"}`);
}

async function node(mode: string): Promise<void> {
  const [name, ip, role, target, image] = ["NODE_NAME", "NODE_IP", "NODE_ROLE", "TALOS_VERSION", "INSTALLER_IMAGE"].map(need);
  // never decide about a node that does not answer (wrong credentials, still booting)
  let current: string | undefined;
  let factsBefore: Awaited<ReturnType<typeof nodeFacts>>;
  let upgraded = false;
  await until(`${name} to answer`, async () =>
    (current = await version(ip)) ? undefined : `${name} does not answer: ${lastVersionError}`,
  );
  // the image this step's last successful run installed; a create (new node, or a step created anew)
  // has none, and then the running version decides. An extensions-only change keeps the version, so
  // it is seen here: the update gets the old image back in PULUMI_COMMAND_STDOUT.
  const installed = lastMark(env.PULUMI_COMMAND_STDOUT, STDOUT_MARK.installed);
  const done = installed === undefined || installed === image;
  log(`${name} (${mode}): runs ${current}, last installed by this step: ${installed ?? "(no record)"}`);
  if (env.DRIFT_FROM)
    log(`${name} was found running ${env.DRIFT_FROM} before this run, not the version the stack recorded: it is rolled again`);
  if (current === target && done) {
    log(`${name} runs ${target} with ${image}: checking only`);
  } else {
    if (role === "controlplane") await until("etcd before the upgrade", etcdHealthy);
    factsBefore = await nodeFacts(name);
    const bootBefore = factsBefore?.bootId;
    log(`${name}: upgrading ${current ?? "(unreachable)"} -> ${target} with ${image}`);
    const help = await talosctl(["upgrade", "--help"], 20_000);
    const r = await talosctl(talosctlArgs.upgrade(ip, image, upgradeHasLifecycleFlags(help.out)), UPGRADE_CALL_TIMEOUT_MS);
    // a refusal (etcd unhealthy, image pull failed, upgrade mutex held) fails the step now, with
    // Talos's reason; never wait for a reboot that will not come
    const reasons = talosReasons(r.out);
    if (!r.ok)
      throw new Error(
        reasons.length
          ? `Talos refused the upgrade of ${name}: ${reasons.join("; ")}`
          : `talosctl upgrade of ${name} failed: ${r.out.trim()}`,
      );
    const refused = upgradeRefusal(r.out);
    if (refused) throw new Error(`Talos refused the upgrade of ${name}: ${refused}`);
    // the node goes down to install and reboot; seeing it down, on the new version when it was on
    // another one, or with another boot ID in Kubernetes (an extensions-only upgrade keeps the version,
    // and a quick reboot can fall between two polls) proves the upgrade happened, so a quick check
    // cannot pass on the old system
    let wentDown = false;
    await until(`${name} to reboot`, async () => {
      const v = await version(ip);
      if (v === undefined) wentDown = true;
      if (wentDown || (v === target && current !== target)) return undefined;
      const boot = bootBefore === undefined ? undefined : await bootId(name);
      return boot !== undefined && boot !== bootBefore ? undefined : `${name} has not rebooted yet`;
    });
    log(`${name} is rebooting`);
    upgraded = true;
  }
  await until(`${name} to report ${target}`, async () => {
    const v = await version(ip);
    return v === target ? undefined : `${name} reports ${v ?? "nothing (down)"}`;
  });
  await until(`${name} to be Ready`, () => (upgraded ? nodeBack(name, factsBefore) : nodeReady(name)));
  if (role === "controlplane") await until(`the control-plane pods of ${name}`, () => staticPodsReady(name));
  if (role === "controlplane") await until("etcd after the upgrade", etcdHealthy);
  log(
    `${name} runs ${target}, Ready${role === "controlplane" ? ", its API server, controller manager and scheduler Ready, etcd healthy with every member" : ""}`,
  );
  console.log(`${STDOUT_MARK.installed} ${image}`);
}

async function kubernetes(mode: string): Promise<void> {
  const to = need("KUBERNETES_VERSION");
  // what runs decides, in create and update alike; only when the API cannot be read does this step's
  // last record; without either, upgrade-k8s runs (it leaves what already runs `to` as it is)
  const behind = await kubernetesBehind(to);
  const recorded = lastMark(env.PULUMI_COMMAND_STDOUT, STDOUT_MARK.kubernetes);
  if (behind ? behind.length === 0 : recorded === to) {
    log(`Kubernetes already at ${to}${behind ? "" : " (as this step recorded; the API could not be read)"} (${mode})`);
  } else {
    const cp = controlPlanes()[0];
    log(`upgrading Kubernetes to ${to} through ${cp.name} (${mode}): ${behind ? behind.join(", ") : "the API could not be read"}`);
    const r = await talosctl(talosctlArgs.upgradeK8s(cp.ip, to), 3_600_000);
    process.stdout.write(r.out);
    if (!r.ok) throw new Error("talosctl upgrade-k8s failed (it resumes where it stopped on the next run)");
  }
  console.log(`${STDOUT_MARK.kubernetes} ${to}`);
}

/**
 * gate: after a running control plane took a new machine config, wait until it answers again and etcd
 * is healthy with every member (MEMBERS: the control planes that ran before this run) before the
 * next control plane's config is applied. A config Talos applies live can restart etcd or the API
 * server, and one the provider could not dry-run is applied in mode `auto`, which may reboot
 * (terraform-provider-talos handleRebootPrevention: "Using 'auto' mode (may reboot)"). Created with a
 * new node or a new cluster: nothing ran before, nothing to wait for.
 */
async function gate(mode: string): Promise<void> {
  const [name, ip, hash] = ["NODE_NAME", "NODE_IP", "CONFIG_HASH"].map(need);
  const record = () => console.log(`${STDOUT_MARK.configHash} ${hash}`);
  if (mode === "create") {
    log(`${name}: first config of a new control plane (or a new gate): nothing to wait for`);
    record();
    return;
  }
  // the same config again (the apply mode changes once after a node's first run): nothing restarted
  if (lastMark(env.PULUMI_COMMAND_STDOUT, STDOUT_MARK.configHash) === hash) {
    log(`${name}: the same config as before, nothing to wait for`);
    record();
    return;
  }
  log(`${name} took a new config (${env.APPLY_MODE ?? "?"}): waiting for it and for etcd before the next control plane`);
  // a staged config changes nothing now; one applied in `auto` may restart services or reboot the node,
  // which Talos starts right after its reply: let that begin before asking whether it is back
  if (env.APPLY_MODE !== "staged") await sleep(Number(env.GATE_SETTLE_S ?? 20) * 1000);
  await until(`${name} to answer`, async () => ((await version(ip)) ? undefined : `${name} does not answer: ${lastVersionError}`));
  // every member etcd lists (a control plane that joins later in this run is not one yet) answers healthy
  let members: { name: string; ip: string }[] = [];
  await until("etcd healthy with every member after the config change", async () => {
    const m = await talosctl(talosctlArgs.etcdMembers(ip), 20_000);
    members = m.ok ? etcdMemberAddresses(m.out) : [];
    if (!members.some((x) => x.ip === ip)) return `${name} is not listed as an etcd member yet`;
    for (const cp of members) {
      const st = await talosctl(talosctlArgs.etcdStatus(cp.ip), 20_000);
      if (!st.ok || !etcdStatusHealthy(st.out)) return etcdUnhealthy(cp.name, st);
    }
    return undefined;
  });
  log(`${name} answers, etcd healthy with ${members.map((m) => m.name).join(", ")}`);
  record();
}

/**
 * etcd-removal: the etcd member of NODE_NAME, a control plane that no longer answers, is removed by its
 * ID through a control plane that does (CONTROL_PLANES holds only those). Nothing to do when it is no
 * member (already removed, or it never joined).
 */
async function etcdRemoval(mode: string): Promise<void> {
  const name = need("NODE_NAME");
  let source: { name: string; ip: string } | undefined;
  // CONTROL_PLANES holds only the answering ones; this step records none (no previous output)
  await until("a control plane with a healthy etcd", async () =>
    (source = await healthyEtcdSource()) ? undefined : "no answering control plane reports a healthy etcd",
  );
  const list = async () => {
    const m = await talosctl(talosctlArgs.etcdMembers(source!.ip), 20_000);
    if (!m.ok) throw new Error(`etcd members through ${source!.name} failed: ${m.out.trim()}`);
    return etcdMemberAddresses(m.out);
  };
  const member = (await list()).find((m) => m.name === name);
  if (!member) {
    log(`${name} is no etcd member (${mode}): nothing to remove`);
    return;
  }
  log(`removing ${name}'s etcd member ${member.id} through ${source!.name}`);
  const r = await talosctl(talosctlArgs.etcdRemoveMember(source!.ip, member.id), 60_000);
  if (!r.ok) throw new Error(`talosctl etcd remove-member ${member.id} through ${source!.name} failed: ${r.out.trim()}`);
  if ((await list()).some((m) => m.name === name)) throw new Error(`${name} is still an etcd member after remove-member`);
  log(`${name} is no longer an etcd member`);
}

const [step, mode = "create"] = process.argv.slice(2);
const steps: Record<string, (mode: string) => Promise<void>> = { snapshot, node, kubernetes, gate, "etcd-removal": etcdRemoval };
if (!steps[step]) {
  console.error(`usage: talos-day2.ts ${Object.keys(steps).join("|")} [create|update]`);
  process.exit(2);
}
steps[step](mode).then(cleanup, (e) => {
  cleanup();
  console.error(`${step}: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
