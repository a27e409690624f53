// Stack config -> validated plan. Pure: no Pulumi, no I/O. Every problem is collected and returned
// at once, each naming its config key and what to write instead.
import type { z } from "zod";
import { cronScheduleProblem } from "../day2/cron";
import type { ClusterFacts, Finding } from "../rules/facts";
import { runAllRules } from "../rules";
import { nonOverlappingNetworks } from "../rules/network-rules";
import { formatCidr, ipToInt, isIPv4, networkAddress, parseCidr } from "../rules/ip";
import { applyEnforcement, thresholdsFromPolicyConfig } from "../rules/policy-config";
import {
  inputProblems,
  misspeltNamespaceKeys,
  nameNodes,
  partialConfig,
  partialNetworkFacts,
  unknownKeyFix,
  unknownPolicyRules,
  unknownTopLevelKeys,
} from "./input-checks";
import type { ConfigProblem } from "./problems";
import { type RawConfig, rawConfigSchema, SECRET_KEYS } from "./raw-config";
import { hostPlans, imageDatastoreProblems, sharedDatastoreProblems } from "./storage";
import type { CiliumPlan, EndpointPlan, NodePlan, Plan, TalosMinor } from "./types";

export const SUPPORTED_TALOS: TalosMinor[] = ["1.11", "1.12", "1.13"];
export const SUPPORTED_CILIUM_MINORS = ["1.16", "1.17", "1.18", "1.19"];
/** Kubernetes minors each Talos minor supports, [lowest, highest] */
export const K8S_FOR_TALOS: Record<TalosMinor, [number, number]> = { "1.11": [29, 34], "1.12": [30, 35], "1.13": [31, 36] };

export interface PlanInputs {
  stack: string;
  /** stack config values of the `homelab` namespace, keys without the namespace */
  config: Record<string, unknown>;
  /** which secret config keys are set (values are never needed to plan) */
  secretsPresent: { proxmoxApiToken: boolean; haproxySshPrivateKey: boolean };
  /** which credential environment variables are set */
  env: { PROXMOX_VE_API_TOKEN?: boolean; PROXMOX_VE_USERNAME?: boolean; PROXMOX_VE_PASSWORD?: boolean; PROXMOX_VE_ENDPOINT?: boolean };
  /** policy-pack config of this stack: enforcement levels re-level the shared rules' findings */
  policyConfig?: Record<string, unknown>;
  /** config keys outside the `homelab` namespace (checked for a misspelt namespace) */
  otherKeys?: string[];
  /** false for offline planning (preflight): credentials are only needed to deploy */
  checkCredentials?: boolean;
}

/** Which Proxmox credential variables an environment sets (their values are never needed to plan). */
export function credentialEnv(env: Record<string, string | undefined>): PlanInputs["env"] {
  return {
    PROXMOX_VE_API_TOKEN: !!env.PROXMOX_VE_API_TOKEN,
    PROXMOX_VE_USERNAME: !!env.PROXMOX_VE_USERNAME,
    PROXMOX_VE_PASSWORD: !!env.PROXMOX_VE_PASSWORD,
    PROXMOX_VE_ENDPOINT: !!env.PROXMOX_VE_ENDPOINT,
  };
}

/** Credentials from the secret config key, an API token variable, or a username and password. */
export function hasProxmoxCredentials(input: Pick<PlanInputs, "secretsPresent" | "env">): boolean {
  return (
    input.secretsPresent.proxmoxApiToken ||
    !!input.env.PROXMOX_VE_API_TOKEN ||
    (!!input.env.PROXMOX_VE_USERNAME && !!input.env.PROXMOX_VE_PASSWORD)
  );
}

export type PlanResult = { ok: true; plan: Plan; findings: Finding[] } | { ok: false; problems: ConfigProblem[]; findings: Finding[] };

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** The schema at a config path (through optional, default and array wrappers). */
function schemaAt(path: PropertyKey[]): any {
  let s: any = rawConfigSchema;
  const unwrap = () => {
    while (s?._zod?.def?.innerType) s = s._zod.def.innerType;
  };
  for (const seg of path) {
    unwrap();
    s = typeof seg === "number" ? s?.element : s?.shape?.[seg as string];
  }
  unwrap();
  return s;
}

/** Keys of the object schema at a config path. */
function knownKeysAt(path: PropertyKey[]): string[] {
  const s = schemaAt(path);
  return s?.shape ? Object.keys(s.shape) : [];
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "");
    const key = `homelab:${path || "(root)"}`;
    if (issue.code === "unrecognized_keys") {
      // one problem per key, each with the key it most likely meant
      const known = knownKeysAt(issue.path);
      return issue.keys.map((k) => ({
        key: `${key}.${k}`,
        message: "is not a setting here; nothing reads it",
        fix: unknownKeyFix(k, known, `${path}.`),
      }));
    }
    let fix = "see the config reference in README.md";
    let message = issue.message;
    if (issue.code === "invalid_type") fix = `write ${/^[aeiou]/.test(String(issue.expected)) ? "an" : "a"} ${issue.expected} here`;
    if (issue.code === "invalid_value" && "values" in issue) fix = `write one of: ${(issue.values as unknown[]).join(", ")}`;
    if (issue.code === "too_small" || issue.code === "too_big") {
      const small = issue.code === "too_small";
      const bound = Number(small ? issue.minimum : issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === "array") {
        message = small ? "has too few entries" : "has too many entries";
        fix = `list ${small ? "at least" : "at most"} ${bound}`;
      } else if (issue.origin === "string") {
        message = small && bound <= 1 ? "is empty" : message;
        fix = small ? "write a value here" : `write at most ${bound} characters`;
      } else {
        message = `${small ? "is too small" : "is too large"}`;
        // an integer "> 0" (positive()) is "at least 1": say the value to write, not the bound
        const integer = schemaAt(issue.path)?.isInt === true;
        const edge = inclusive ? bound : integer ? (small ? bound + 1 : bound - 1) : undefined;
        fix =
          edge !== undefined
            ? `write ${small ? "at least" : "at most"} ${edge}`
            : `write a number ${small ? "greater" : "less"} than ${bound}`;
      }
    }
    if (issue.code === "invalid_type" && issue.message.includes("undefined")) {
      message = "is missing";
      fix = `add \`${path}\` (see the configuration reference in README.md)`;
    }
    return [{ key, message, fix }];
  });
}

/** <0, 0, >0 like a comparator, over [major, minor, patch] */
export function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function parseVersion(value: string): [number, number, number] | undefined {
  const m = SEMVER.exec(value);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function ciliumPlanFor(version: string): CiliumPlan | undefined {
  const v = parseVersion(version);
  if (!v || !SUPPORTED_CILIUM_MINORS.includes(`${v[0]}.${v[1]}`)) return undefined;
  // CiliumLoadBalancerIPPool is served as cilium.io/v2 from Cilium 1.18 (v2alpha1 deprecated then).
  return { version: `${v[0]}.${v[1]}.${v[2]}`, lbPoolApiVersion: v[1] >= 18 ? "cilium.io/v2" : "cilium.io/v2alpha1" };
}

/** The Image Factory extension that runs the QEMU guest agent in Talos. */
export const GUEST_AGENT_EXTENSION = "siderolabs/qemu-guest-agent";

const WORKER_OS_DISK_DEFAULT = 100;
const CONTROLPLANE_OS_DISK_DEFAULT = 50;

export function planFacts(plan: Pick<Plan, "nodes" | "proxmox" | "network" | "endpoint" | "lbPool" | "talosEndpoints">): ClusterFacts {
  return {
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      ip: n.ip,
      host: n.host,
      vmId: n.vmId,
      cpu: n.cpu,
      memoryGiB: n.memoryGiB,
      osDiskGB: n.osDiskGB,
      dataDisksGB: n.dataDisksGB,
      ref: n.ref,
    })),
    hosts: plan.proxmox.hosts.map((h) => h.name),
    subnet: plan.network.subnet,
    gateway: plan.network.gateway,
    dns: plan.network.dns,
    ntp: plan.network.ntp,
    podCidr: plan.network.podCidr,
    serviceCidr: plan.network.serviceCidr,
    vip: plan.endpoint.vip,
    lbPool: plan.lbPool,
    dhcpRange: plan.network.dhcpRange,
    talosEndpoints: plan.talosEndpoints,
  };
}

export function buildPlan(input: PlanInputs): PlanResult {
  const thresholds = thresholdsFromPolicyConfig(input.policyConfig);
  const parsed = rawConfigSchema.safeParse(input.config);
  // keys the program does not read: the schema would drop them silently
  const knownKeys = [...Object.keys(rawConfigSchema.shape), ...Object.keys(SECRET_KEYS)];
  const unknownKeys = [...unknownTopLevelKeys(input.config, knownKeys), ...misspeltNamespaceKeys(input.otherKeys ?? [], knownKeys)];
  const problems: ConfigProblem[] = [...unknownKeys, ...unknownPolicyRules(input.policyConfig, input.stack)];
  const add = (key: string, message: string, fix: string) => problems.push({ key: `homelab:${key}`, message, fix });
  // these run on every well-formed part, so a shape error elsewhere does not hide them
  const wellFormed = partialConfig(input.config);
  inputProblems(wellFormed, add);
  if (!parsed.success) {
    // the address rule too; the others need the whole plan (counts, sizes) and wait for it
    const network = applyEnforcement(nonOverlappingNetworks(partialNetworkFacts(wellFormed)), input.policyConfig)
      .filter((f) => f.severity === "mandatory" && !f.undecided)
      .map((f) => ({ key: f.key, message: f.message, fix: f.fix }));
    return { ok: false, problems: nameNodes(dedupe([...problems, ...zodProblems(parsed.error), ...network]), input.config), findings: [] };
  }
  const raw: RawConfig = parsed.data;

  // Versions
  const talos = parseVersion(raw.versions.talos);
  const talosMinor = talos ? (`${talos[0]}.${talos[1]}` as TalosMinor) : undefined;
  if (!talos) add("versions.talos", `"${raw.versions.talos}" is not a version`, "write a Talos release such as v1.11.5");
  else if (!SUPPORTED_TALOS.includes(talosMinor!))
    add("versions.talos", `Talos ${raw.versions.talos} is not supported`, `use a release of Talos ${SUPPORTED_TALOS.join(", ")}`);
  const k8s = parseVersion(raw.versions.kubernetes);
  if (!k8s) add("versions.kubernetes", `"${raw.versions.kubernetes}" is not a version`, "write a Kubernetes release such as v1.34.1");
  else if (talosMinor && SUPPORTED_TALOS.includes(talosMinor)) {
    const [lo, hi] = K8S_FOR_TALOS[talosMinor];
    if (k8s[0] !== 1 || k8s[1] < lo || k8s[1] > hi)
      add(
        "versions.kubernetes",
        `Kubernetes ${raw.versions.kubernetes} is not supported by Talos ${talosMinor}`,
        `use Kubernetes v1.${lo} to v1.${hi}`,
      );
  }
  const contract = raw.versions.talosConfig === undefined ? talos : parseVersion(raw.versions.talosConfig);
  const contractMinor = contract ? (`${contract[0]}.${contract[1]}` as TalosMinor) : undefined;
  if (!contract)
    add(
      "versions.talosConfig",
      `"${raw.versions.talosConfig}" is not a version`,
      "write the Talos release the cluster was created with, such as v1.11.5, or remove the key",
    );
  else if (
    raw.versions.talosConfig !== undefined &&
    talos &&
    (!SUPPORTED_TALOS.includes(contractMinor!) || compareVersions(contract, talos) > 0)
  ) {
    add(
      "versions.talosConfig",
      `config contract ${raw.versions.talosConfig} must be a supported release no newer than versions.talos (${raw.versions.talos})`,
      `write a version of Talos ${SUPPORTED_TALOS.join(", ")} not above ${raw.versions.talos}: nodes reject config documents of a newer release`,
    );
  }
  // the CronJob's schedule as the API server judges it (robfig/cron's standard parser), before any deploy
  const scheduleProblem = raw.etcdBackup ? cronScheduleProblem(raw.etcdBackup.schedule) : undefined;
  if (scheduleProblem)
    add(
      "etcdBackup.schedule",
      `"${raw.etcdBackup!.schedule}" is not a cron schedule Kubernetes accepts: ${scheduleProblem}`,
      'write five cron fields, e.g. "17 3 * * *" (daily at 03:17), or a descriptor such as @daily',
    );
  const cilium = ciliumPlanFor(raw.versions.cilium);
  const factoryProblem = imageFactoryUrlProblem(raw.image.factoryUrl);
  if (factoryProblem)
    add(
      "image.factoryUrl",
      `"${raw.image.factoryUrl}" ${factoryProblem}`,
      "write the factory's base URL, e.g. https://factory.talos.dev or https://factory.example.internal:8080, or remove the key for the public factory",
    );
  if (!cilium)
    add(
      "versions.cilium",
      `Cilium "${raw.versions.cilium}" cannot be configured by this program`,
      `use a Cilium release of ${SUPPORTED_CILIUM_MINORS.join(", ")} such as 1.18.4`,
    );

  // Proxmox endpoint and credentials
  const endpointSet = !!raw.proxmox.endpoint || !!input.env.PROXMOX_VE_ENDPOINT;
  if (!endpointSet && input.checkCredentials !== false)
    add(
      "proxmox.endpoint",
      "no Proxmox API endpoint",
      "set `proxmox.endpoint: https://<host>:8006/` in the stack file, or the PROXMOX_VE_ENDPOINT environment variable",
    );
  else if (raw.proxmox.endpoint && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(raw.proxmox.endpoint))
    add("proxmox.endpoint", `"${raw.proxmox.endpoint}" is not an API URL`, "write https://<host>:8006/");
  if (input.checkCredentials !== false && !hasProxmoxCredentials(input)) {
    problems.push({
      key: SECRET_KEYS.proxmoxApiToken,
      message: "no Proxmox credentials",
      fix: `run \`pulumi config set --secret ${SECRET_KEYS.proxmoxApiToken} 'user@pam!token=<uuid>'\`, or export PROXMOX_VE_API_TOKEN (or PROXMOX_VE_USERNAME and PROXMOX_VE_PASSWORD)`,
    });
  }
  const hostNames = raw.proxmox.hosts.map((h) => h.name);
  const dupHosts = hostNames.filter((h, i) => hostNames.indexOf(h) !== i);
  for (const h of new Set(dupHosts)) add("proxmox.hosts", `Proxmox host ${h} is declared twice`, "declare each host once");
  problems.push(...sharedDatastoreProblems(raw.proxmox.sharedDatastores, raw.proxmox.hosts));
  problems.push(...imageDatastoreProblems(raw.proxmox.hosts));

  // Network
  const subnet = parseCidr(raw.network.subnet);
  if (!subnet)
    add("network.subnet", `"${raw.network.subnet}" is not an IPv4 CIDR`, "write the node network as a CIDR, e.g. 192.168.0.0/24");
  else if (networkAddress(subnet) !== subnet.base)
    add(
      "network.subnet",
      `"${raw.network.subnet}" has host bits set`,
      `write the network address: ${networkAddress(subnet)}/${subnet.prefix}`,
    );
  if (!isIPv4(raw.network.gateway))
    add("network.gateway", `"${raw.network.gateway}" is not an IPv4 address`, "write the router address, e.g. 192.168.0.1");
  raw.network.dns.forEach((d, i) => {
    if (!isIPv4(d)) add(`network.dns[${i}]`, `"${d}" is not an IPv4 address`, "write a resolver address such as 1.1.1.1");
  });
  raw.network.ntp.forEach((s, i) => {
    if (!/^[A-Za-z0-9.-]+$/.test(s))
      add(`network.ntp[${i}]`, `"${s}" is not a host name or address`, "write an NTP server such as time.cloudflare.com");
  });
  if (!parseCidr(raw.network.podCidr)) add("network.podCidr", `"${raw.network.podCidr}" is not an IPv4 CIDR`, "write e.g. 10.20.0.0/16");
  if (!parseCidr(raw.network.serviceCidr))
    add("network.serviceCidr", `"${raw.network.serviceCidr}" is not an IPv4 CIDR`, "write e.g. 10.96.0.0/12");
  if (raw.network.dhcpRange) {
    for (const end of ["start", "stop"] as const)
      if (!isIPv4(raw.network.dhcpRange[end]))
        add(`network.dhcpRange.${end}`, `"${raw.network.dhcpRange[end]}" is not an IPv4 address`, "write an address such as 192.168.0.100");
  }

  // LB pool
  for (const end of ["start", "stop"] as const)
    if (!isIPv4(raw.lbPool[end]))
      add(`lbPool.${end}`, `"${raw.lbPool[end]}" is not an IPv4 address`, "write an address of the node subnet, e.g. 192.168.0.201");
  if (isIPv4(raw.lbPool.start) && isIPv4(raw.lbPool.stop) && ipToInt(raw.lbPool.start) > ipToInt(raw.lbPool.stop))
    add(
      "lbPool",
      `pool start ${raw.lbPool.start} is after stop ${raw.lbPool.stop}`,
      "swap them: `start` is the lowest address of the pool",
    );

  // Endpoint
  const mode = raw.endpoint.mode;
  if (!["vip", "kubeprism", "haproxy"].includes(mode))
    add("endpoint.mode", `unknown mode "${mode}"`, "write one of: vip, kubeprism, haproxy");
  if (mode === "vip" && !raw.endpoint.vip)
    add("endpoint.vip", "mode vip needs a VIP", "set `endpoint.vip` to an unused address of the node subnet, e.g. 192.168.0.200");
  if (raw.endpoint.vip && !isIPv4(raw.endpoint.vip))
    add("endpoint.vip", `"${raw.endpoint.vip}" is not an IPv4 address`, "write an unused address of the node subnet");
  if (mode !== "vip" && raw.endpoint.vip)
    add("endpoint.vip", `a VIP is set but mode is ${mode}`, "remove `endpoint.vip`, or set `endpoint.mode: vip`");
  if (mode === "haproxy") {
    if (!raw.endpoint.haproxy)
      add(
        "endpoint.haproxy",
        "mode haproxy needs the HAProxy host",
        "set `endpoint.haproxy.host` (and sshUser, sshPort) of a Linux host with HAProxy",
      );
    if (input.checkCredentials !== false && !input.secretsPresent.haproxySshPrivateKey)
      problems.push({
        key: SECRET_KEYS.haproxySshPrivateKey,
        message: "mode haproxy needs SSH credentials for the HAProxy host",
        fix: `run \`pulumi config set --secret ${SECRET_KEYS.haproxySshPrivateKey} < ~/.ssh/id_ed25519\``,
      });
  }
  if (raw.endpoint.dnsName && !/^[A-Za-z0-9.-]+$/.test(raw.endpoint.dnsName))
    add("endpoint.dnsName", `"${raw.endpoint.dnsName}" is not a DNS name`, "write a name such as k8s.home.arpa");

  // Nodes
  const nodes: NodePlan[] = [];
  const macs = new Map<string, number>();
  raw.nodes.forEach((n, i) => {
    const ref = `nodes[${i}]`;
    if (!isIPv4(n.ip)) add(`${ref}.ip`, `"${n.ip}" is not an IPv4 address`, "write the node's static address inside the node subnet");
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n.name))
      add(`${ref}.name`, `"${n.name}" is not a valid hostname`, "use lowercase letters, digits and '-', e.g. talos-cp-01");
    const host = n.host ?? (raw.proxmox.hosts.length === 1 ? raw.proxmox.hosts[0].name : undefined);
    if (!host) add(`${ref}.host`, "no Proxmox host for this node", `set \`host:\` to one of ${hostNames.join(", ")}`);
    else if (!hostNames.includes(host))
      add(`${ref}.host`, `Proxmox host "${host}" is not declared`, `use one of ${hostNames.join(", ")}, or add it under \`proxmox.hosts\``);
    if (n.mac) {
      if (!/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(n.mac))
        add(`${ref}.mac`, `"${n.mac}" is not a MAC address`, "write six hex pairs, e.g. BC:24:11:00:00:11");
      const k = n.mac.toLowerCase();
      if (macs.has(k))
        add(`${ref}.mac`, `MAC ${n.mac} is also used by nodes[${macs.get(k)}]`, "give every node its own MAC, or leave `mac` out");
      macs.set(k, i);
    }
    const osDiskGB = n.osDiskGB ?? (n.role === "controlplane" ? CONTROLPLANE_OS_DISK_DEFAULT : WORKER_OS_DISK_DEFAULT);
    nodes.push({
      name: n.name,
      role: n.role,
      ip: n.ip,
      vmId: n.vmId,
      host: host ?? "",
      cpu: n.cpu,
      memoryGiB: n.memoryGiB,
      osDiskGB,
      dataDisksGB: n.dataDisksGB,
      mac: n.mac,
      unreachable: n.unreachable,
      ref,
      startupOrder: n.role === "controlplane" ? 1 : 2,
      disks: [
        { slot: "scsi0", sizeGB: osDiskGB, purpose: "os" },
        ...n.dataDisksGB.map((sizeGB, d) => ({ slot: `scsi${d + 1}`, sizeGB, purpose: "data" as const })),
      ],
    });
  });

  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const workers = nodes.filter((n) => n.role === "worker");
  const firstCp = controlPlanes[0];
  // etcd removes a dead member only while the others still form a quorum
  const deadCps = controlPlanes.filter((n) => n.unreachable);
  if (deadCps.length > 0 && controlPlanes.length - deadCps.length <= Math.floor(controlPlanes.length / 2)) {
    add(
      `${deadCps[deadCps.length - 1].ref}.unreachable`,
      `${deadCps.map((n) => n.name).join(", ")} of ${controlPlanes.length} control planes are marked unreachable: the rest cannot form an etcd quorum, so no member can be removed`,
      "mark only the dead control planes and keep a majority running; with quorum already lost, recover etcd from a snapshot first (README: recovering etcd)",
    );
  }
  const vip = mode === "vip" ? raw.endpoint.vip : undefined;
  const haproxy = raw.endpoint.haproxy;
  let endpointHost = "";
  if (mode === "vip") endpointHost = vip ?? "";
  else if (mode === "kubeprism") endpointHost = raw.endpoint.dnsName ?? firstCp?.ip ?? "";
  else if (mode === "haproxy") endpointHost = haproxy?.listenAddress ?? haproxy?.host ?? "";
  const endpoint: EndpointPlan = {
    mode: mode as EndpointPlan["mode"],
    host: endpointHost,
    port: 6443,
    url: `https://${endpointHost}:6443`,
    vip,
    haproxy: haproxy
      ? { host: haproxy.host, sshUser: haproxy.sshUser, sshPort: haproxy.sshPort, listenAddress: haproxy.listenAddress ?? haproxy.host }
      : undefined,
  };

  const partial = {
    nodes,
    proxmox: {
      endpoint: raw.proxmox.endpoint ?? "",
      insecure: raw.proxmox.insecure,
      bridge: raw.proxmox.bridge,
      hosts: hostPlans(raw.proxmox.hosts, raw.proxmox.sharedDatastores),
      sharedDatastores: raw.proxmox.sharedDatastores,
      credentials: (input.secretsPresent.proxmoxApiToken ? "config" : "environment") as "config" | "environment",
    },
    network: { ...raw.network, subnet: subnet ? formatCidr(subnet) : raw.network.subnet, prefix: subnet?.prefix ?? 0 },
    endpoint,
    lbPool: raw.lbPool,
    talosEndpoints: controlPlanes.filter((n) => !n.unreachable).map((n) => n.ip),
  };
  // Semantic rules run only on well-formed values; they are the same functions the policy pack uses.
  const findings = applyEnforcement(runAllRules(planFacts(partial), thresholds), input.policyConfig);
  const mandatory = findings.filter((f) => f.severity === "mandatory" && !f.undecided);
  for (const f of mandatory) problems.push({ key: f.key, message: f.message, fix: f.fix });

  if (problems.length > 0 || !firstCp || !talosMinor || !cilium || !contract) {
    if (problems.length === 0) add("nodes", "no control plane", "add a node with `role: controlplane`");
    return { ok: false, problems: nameNodes(dedupe(problems), input.config), findings };
  }
  const plan: Plan = {
    stack: input.stack,
    clusterName: raw.clusterName,
    talosVersion: `v${talos!.join(".")}`,
    talosMinor,
    configTalosVersion: `v${contract.join(".")}`,
    configTalosMinor: contractMinor!,
    configTalosVersionSet: raw.versions.talosConfig !== undefined,
    kubernetesVersion: `v${k8s!.join(".")}`,
    configKubernetesVersion: `v${k8s!.join(".")}`,
    upgrade: raw.upgrade,
    etcdBackup: raw.etcdBackup,
    ...partial,
    image: {
      extensions: raw.image.extensions,
      platform: "nocloud",
      architecture: "amd64",
      guestAgent: raw.image.extensions.includes(GUEST_AGENT_EXTENSION),
      factoryUrl: raw.image.factoryUrl.replace(/\/+$/, ""),
    },
    kubePrismPort: raw.kubePrismPort,
    capacityHeadroom: raw.capacityHeadroom,
    cilium,
    controlPlanes,
    workers,
    // bootstrap and kubeconfig talk to a control plane that answers (bootstrap never runs again on a
    // running cluster: the provider's update of its node is a no-op)
    bootstrapNode: controlPlanes.find((n) => !n.unreachable) ?? firstCp,
  };
  return { ok: true, plan, findings: findings.filter((f) => f.severity === "advisory") };
}

/**
 * What is wrong with an Image Factory URL, if anything: Proxmox downloads the image from it
 * (`<url>/image/<schematic>/<version>/nocloud-amd64.qcow2`), so it must be a plain http(s) base URL.
 */
export function imageFactoryUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return `has the scheme ${u.protocol.replace(/:$/, "")}; the factory is reached over https (or http)`;
  if (u.username || u.password) return "carries credentials; a URL in the stack file is not the place for them";
  if (u.search || u.hash) return "has a query or fragment; write the factory's base URL only";
  return undefined;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.key}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
