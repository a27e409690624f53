// Step 3 of the plan: assemble. The parsed config becomes the plan the components read: defaults
// filled in, nodes with their disks and hosts, the API endpoint, the releases. Judges nothing: the
// checks and the rules have done that.
import { parseCidr } from "../rules/ip";
import { release, talosMinorOf } from "../versions";
import { ciliumPlanFor } from "../versions/cilium";
import { hostOf } from "./checks/nodes";
import type { PlanInputs } from "./inputs";
import type { RawConfig } from "./raw-config";
import { hostPlans } from "./storage";
import type { EndpointPlan, NodePlan, Plan } from "./types";

/** The Image Factory extension that runs the QEMU guest agent in Talos. */
export const GUEST_AGENT_EXTENSION = "siderolabs/qemu-guest-agent";

const OS_DISK_DEFAULT_GB = { controlplane: 50, worker: 100 } as const;

/** The OS disk a node gets when its `osDiskGB` is left out. */
export function osDiskDefaultGB(role: NodePlan["role"]): number {
  return OS_DISK_DEFAULT_GB[role];
}
const API_PORT = 6443;

/** The plan without what needs a control plane and supported releases (enough for the shared rules). */
export type PlanDraft = Pick<Plan, "nodes" | "proxmox" | "network" | "endpoint" | "lbPool" | "talosEndpoints">;

export function nodePlans(raw: RawConfig): NodePlan[] {
  const hostNames = raw.proxmox.hosts.map((h) => h.name);
  return raw.nodes.map((n, i) => {
    const osDiskGB = n.osDiskGB ?? osDiskDefaultGB(n.role);
    return {
      ...{ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: hostOf(n, hostNames) ?? "", cpu: n.cpu, memoryGiB: n.memoryGiB },
      ...{ osDiskGB, dataDisksGB: n.dataDisksGB, mac: n.mac, unreachable: n.unreachable },
      ref: `nodes[${i}]`,
      startupOrder: n.role === "controlplane" ? 1 : 2,
      disks: [
        { slot: "scsi0", sizeGB: osDiskGB, purpose: "os" as const },
        ...n.dataDisksGB.map((sizeGB, d) => ({ slot: `scsi${d + 1}`, sizeGB, purpose: "data" as const })),
      ],
    };
  });
}

/** Where clients reach the Kubernetes API in each mode. */
export function endpointPlan(raw: RawConfig, controlPlanes: NodePlan[]): EndpointPlan {
  const { mode, haproxy, dnsName } = raw.endpoint;
  const vip = mode === "vip" ? raw.endpoint.vip : undefined;
  const hosts: Record<EndpointPlan["mode"], string | undefined> = {
    vip,
    kubeprism: dnsName ?? controlPlanes[0]?.ip,
    haproxy: haproxy?.listenAddress ?? haproxy?.host,
  };
  const host = hosts[mode] ?? "";
  return {
    mode,
    host,
    port: API_PORT,
    url: `https://${host}:${API_PORT}`,
    vip,
    haproxy: haproxy
      ? { host: haproxy.host, sshUser: haproxy.sshUser, sshPort: haproxy.sshPort, listenAddress: haproxy.listenAddress ?? haproxy.host }
      : undefined,
  };
}

export function draftPlan(raw: RawConfig, input: Pick<PlanInputs, "secretsPresent">): PlanDraft {
  const nodes = nodePlans(raw);
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const { endpoint, insecure, bridge, hosts, sharedDatastores } = raw.proxmox;
  return {
    nodes,
    proxmox: {
      ...{ endpoint: endpoint ?? "", insecure, bridge, hosts: hostPlans(hosts, sharedDatastores), sharedDatastores },
      credentials: input.secretsPresent.proxmoxApiToken ? "config" : "environment",
    },
    network: { ...raw.network, prefix: parseCidr(raw.network.subnet)?.prefix ?? 0 },
    endpoint: endpointPlan(raw, controlPlanes),
    lbPool: raw.lbPool,
    talosEndpoints: controlPlanes.filter((n) => !n.unreachable).map((n) => n.ip),
  };
}

type Releases = Pick<
  Plan,
  | "talosVersion"
  | "talosMinor"
  | "configTalosVersion"
  | "configTalosMinor"
  | "configTalosVersionSet"
  | "kubernetesVersion"
  | "configKubernetesVersion"
  | "cilium"
>;

/** The releases, written `v1.2.3`; undefined when one is not supported (the checks said which). */
export function releases(raw: RawConfig): Releases | undefined {
  const talos = release(raw.versions.talos);
  const contract = release(raw.versions.talosConfig ?? raw.versions.talos);
  const kubernetes = release(raw.versions.kubernetes);
  const talosMinor = talos && talosMinorOf(talos);
  const configTalosMinor = contract && talosMinorOf(contract);
  const cilium = ciliumPlanFor(raw.versions.cilium);
  if (!talos || !contract || !kubernetes || !talosMinor || !configTalosMinor || !cilium) return undefined;
  return {
    talosVersion: `v${talos}`,
    talosMinor,
    configTalosVersion: `v${contract}`,
    configTalosMinor,
    configTalosVersionSet: raw.versions.talosConfig !== undefined,
    kubernetesVersion: `v${kubernetes}`,
    configKubernetesVersion: `v${kubernetes}`,
    cilium,
  };
}

/** The whole plan: the draft, the releases, and the settings that need no judging. */
export function assemblePlan(raw: RawConfig, draft: PlanDraft, { cilium, ...versions }: Releases, stack: string): Plan {
  const controlPlanes = draft.nodes.filter((n) => n.role === "controlplane");
  return {
    stack,
    clusterName: raw.clusterName,
    ...versions,
    upgrade: raw.upgrade,
    etcdBackup: raw.etcdBackup,
    ...draft,
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
    workers: draft.nodes.filter((n) => n.role === "worker"),
    // bootstrap and kubeconfig talk to a control plane that answers (bootstrap never runs again on a
    // running cluster: the provider's update of its node is a no-op)
    bootstrapNode: controlPlanes.find((n) => !n.unreachable) ?? controlPlanes[0],
  };
}
