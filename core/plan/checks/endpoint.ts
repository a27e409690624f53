// Checks of `endpoint` and `kubePrismPort`: what each endpoint mode needs, and addresses and ports that
// another part of the cluster already uses.
import { ipToInt, isIPv4 } from "../../rules/ip";
import type { PlanInputs } from "../inputs";
import type { WellFormedConfig } from "../parse";
import { SECRET_KEYS } from "../raw-config";
import type { Found } from "./check";
import { dnsNameProblem } from "./network";

/** Ports a node already uses on the addresses KubePrism binds (127.0.0.1, host network). */
export const NODE_PORTS: Record<number, string> = {
  2379: "etcd client",
  2380: "etcd peer",
  4240: "cilium-health",
  4244: "Hubble server",
  6443: "kube-apiserver",
  9234: "cilium-operator health",
  9879: "cilium-agent health",
  10248: "kubelet healthz",
  10250: "kubelet API",
  10257: "kube-controller-manager",
  10259: "kube-scheduler",
  50000: "Talos apid",
  50001: "Talos trustd",
};

/** A key the stack file sets, well-formed or not (a malformed value is the schema's problem, not a missing one). */
const givenEndpoint = (input: PlanInputs, key: "vip" | "haproxy") =>
  (input.config.endpoint as Record<string, unknown> | undefined)?.[key] !== undefined;

export function vipMatchesMode(cfg: WellFormedConfig, input: PlanInputs): Found[] {
  const mode = cfg.endpoint?.mode;
  if (mode === "vip" && !givenEndpoint(input, "vip")) {
    return [{ message: "mode vip needs a VIP", fix: "set `endpoint.vip` to an unused address of the node subnet, e.g. 192.168.0.200" }];
  }
  if (mode && mode !== "vip" && givenEndpoint(input, "vip")) {
    return [{ message: `a VIP is set but mode is ${mode}`, fix: "remove `endpoint.vip`, or set `endpoint.mode: vip`" }];
  }
  return [];
}

export function haproxyHostForMode(cfg: WellFormedConfig, input: PlanInputs): Found[] {
  if (cfg.endpoint?.mode !== "haproxy" || givenEndpoint(input, "haproxy")) return [];
  return [
    {
      message: "mode haproxy needs the HAProxy host",
      fix: "set `endpoint.haproxy.host` (and sshUser, sshPort) of a Linux host with HAProxy",
    },
  ];
}

export function haproxySshKey(cfg: WellFormedConfig, input: PlanInputs): Found[] {
  if (cfg.endpoint?.mode !== "haproxy" || input.checkCredentials === false || input.secretsPresent.haproxySshPrivateKey) return [];
  return [
    {
      message: "mode haproxy needs SSH credentials for the HAProxy host",
      fix: `run \`pulumi config set --secret ${SECRET_KEYS.haproxySshPrivateKey} < ~/.ssh/id_ed25519\``,
    },
  ];
}

export function endpointDnsName(cfg: WellFormedConfig): Found[] {
  const name = cfg.endpoint?.dnsName;
  const problem = name ? dnsNameProblem(name) : undefined;
  return problem ? [{ message: `"${name}" ${problem}`, fix: "write a name such as k8s.home.arpa" }] : [];
}

export function haproxySshPort(cfg: WellFormedConfig): Found[] {
  const port = cfg.endpoint?.haproxy?.sshPort;
  const frontends: Array<[number, string]> = [
    [6443, "Kubernetes API"],
    [50000, "Talos API"],
  ];
  return frontends
    .filter(([p]) => p === port)
    .map(([p, what]) => ({
      message: `SSH port ${p} is the HAProxy frontend port of the ${what} on that host`,
      fix: "use the host's real SSH port (usually 22)",
    }));
}

export function haproxyListenAddress(cfg: WellFormedConfig): Found[] {
  const addr = cfg.endpoint?.haproxy?.listenAddress;
  if (addr === undefined || !["0.0.0.0", "255.255.255.255"].includes(addr)) return [];
  return [
    {
      message: `${addr} is not an address clients can reach; it becomes the cluster endpoint`,
      fix: "write the HAProxy host's own address, or leave it out to use `endpoint.haproxy.host`",
    },
  ];
}

/** HAProxy runs on a host of its own: its addresses must not be ones the cluster hands out. */
export function haproxyOwnAddress(cfg: WellFormedConfig): Found[] {
  const hp = cfg.endpoint?.haproxy;
  const fields = [
    ["host", hp?.host],
    ["listenAddress", hp?.listenAddress],
  ] as const;
  return fields.flatMap(([field, addr]) => (addr && isIPv4(addr) ? addressTaken(cfg, addr).map((f) => ({ ...f, at: `.${field}` })) : []));
}

function addressTaken(cfg: WellFormedConfig, addr: string): Found[] {
  const out: Found[] = [];
  const nodes = cfg.nodes ?? [];
  const i = nodes.findIndex((n) => n?.ip === addr);
  if (i >= 0)
    out.push({
      message: `${addr} is the IP of nodes[${i}] (${nodes[i]?.name}); a Talos node cannot run HAProxy`,
      fix: "use the address of a separate Linux host",
    });
  const pool = cfg.lbPool;
  if (pool?.start && pool.stop && ipToInt(addr) >= ipToInt(pool.start) && ipToInt(addr) <= ipToInt(pool.stop)) {
    out.push({
      message: `${addr} is inside the LB pool ${pool.start}-${pool.stop}; Cilium may hand it to a Service`,
      fix: "use an address outside `lbPool`, or shrink the pool",
    });
  }
  if (addr === cfg.network?.gateway) out.push({ message: `${addr} is the gateway`, fix: "use the HAProxy host's own address" });
  return out;
}

export function kubePrismPortFree(cfg: WellFormedConfig): Found[] {
  const port = cfg.kubePrismPort;
  if (port === undefined || !NODE_PORTS[port]) return [];
  return [
    {
      message: `port ${port} is already taken on every node by ${NODE_PORTS[port]}`,
      fix: "keep the default 7445, or pick a free port above 1024 that no node service uses",
    },
  ];
}
