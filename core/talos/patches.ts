// Per-node Talos machine-config patches, in the form each Talos minor accepts:
//  - 1.11: everything in the v1alpha1 document (machine.network, machine.time, interface `vip`);
//  - 1.12+: host networking moved to separate documents (HostnameConfig, LinkConfig, ResolverConfig,
//    TimeSyncConfig, Layer2VIPConfig); 1.13 drops machine.network from v1alpha1 entirely.
// Patches are plain objects here; the components serialise them to YAML for the Talos provider.
// The form follows the config contract (plan.configTalosMinor), not the installed version: during a
// rolling upgrade nodes run the old and the new release side by side and a config apply can reach
// either, and every Talos release accepts the documents of an older contract, while an older release
// rejects documents it does not know (a 1.11 node refuses Layer2VIPConfig). The contract is never
// newer than any node's installed version (versions.talosConfig rules), so every node accepts them.
import { ciliumInlineManifest } from "../cilium/install";
import type { NodePlan, Plan } from "../plan/types";
import { ETCD_BACKUP_NAMESPACE, ETCD_BACKUP_ROLE } from "../day2/etcd-backup";

export type PatchDocument = Record<string, unknown>;

/** Talos system disk: OS disk on scsi0 of a virtio-scsi-single controller shows up as /dev/sda. */
export const INSTALL_DISK = "/dev/sda";

/**
 * The installer image of the schematic, from the factory's registry: siderolabs/image-factory serves
 * its OCI registry on the host of its HTTP API, so a self-hosted factory (image.factoryUrl) serves the
 * installer too. The default factory gives `factory.talos.dev/...` as before.
 */
export function installerImage(schematicId: string, talosVersion: string, factoryUrl = "https://factory.talos.dev"): string {
  return `${new URL(factoryUrl).host}/nocloud-installer/${schematicId}:${talosVersion}`;
}

function v1alpha1Document(plan: Plan, node: NodePlan, schematicId: string): PatchDocument {
  const machine: Record<string, unknown> = {
    install: { disk: INSTALL_DISK, image: installerImage(schematicId, plan.talosVersion, plan.image.factoryUrl), wipe: false },
    features: {
      kubePrism: { enabled: true, port: plan.kubePrismPort },
      // Cilium's eBPF masquerading breaks the host DNS forwarder for pods; CoreDNS keeps using the
      // upstream resolvers directly instead (see docs/talos.md).
      hostDNS: { enabled: true, forwardKubeDNSToHost: false },
    },
    kubelet: { nodeIP: { validSubnets: [plan.network.subnet] } },
    nodeLabels: { "homelab.dev/role": node.role },
  };
  if (plan.configTalosMinor === "1.11") {
    const iface: Record<string, unknown> = {
      interface: plan.network.interface,
      dhcp: false,
      addresses: [`${node.ip}/${plan.network.prefix}`],
      routes: [{ network: "0.0.0.0/0", gateway: plan.network.gateway }],
    };
    if (node.role === "controlplane" && plan.endpoint.mode === "vip" && plan.endpoint.vip) iface.vip = { ip: plan.endpoint.vip };
    machine.network = { hostname: node.name, nameservers: plan.network.dns, interfaces: [iface] };
    machine.time = { servers: plan.network.ntp };
  }
  const cluster: Record<string, unknown> = {
    network: {
      cni: { name: "none" },
      podSubnets: [plan.network.podCidr],
      serviceSubnets: [plan.network.serviceCidr],
    },
    proxy: { disabled: true },
  };
  if (node.role === "controlplane" && plan.etcdBackup) {
    // pods in kube-system may call the Talos API with the etcd backup role only (core/day2/etcd-backup.ts)
    (machine.features as Record<string, unknown>).kubernetesTalosAPIAccess = {
      enabled: true,
      allowedRoles: [ETCD_BACKUP_ROLE],
      allowedKubernetesNamespaces: [ETCD_BACKUP_NAMESPACE],
    };
  }
  if (node.role === "controlplane") {
    machine.certSANs = certSans(plan);
    // anonymous access stays off in every mode (Talos's default); HAProxy's checks authenticate with a
    // client certificate (core/haproxy/health-check-cert.ts)
    cluster.apiServer = { certSANs: certSans(plan) };
    cluster.inlineManifests = [ciliumManifestOf(plan)];
  }
  return { machine, cluster };
}

/**
 * The Cilium install manifest is the same for every control plane of a plan (YAML of the install
 * objects, the costliest part of a patch): rendered once per plan object, a copy for each patch.
 */
const ciliumManifests = new WeakMap<Plan, { name: string; contents: string }>();
function ciliumManifestOf(plan: Plan): { name: string; contents: string } {
  let m = ciliumManifests.get(plan);
  if (m === undefined) ciliumManifests.set(plan, (m = ciliumInlineManifest(plan)));
  return { ...m };
}

function certSans(plan: Plan): string[] {
  return [...new Set([plan.endpoint.host, ...plan.controlPlanes.map((n) => n.ip), "127.0.0.1"].filter(Boolean))];
}

function networkDocuments(plan: Plan, node: NodePlan): PatchDocument[] {
  if (plan.configTalosMinor === "1.11") return [];
  const docs: PatchDocument[] = [
    { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: node.name },
    { apiVersion: "v1alpha1", kind: "ResolverConfig", nameservers: plan.network.dns.map((address) => ({ address })) },
    { apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: plan.network.ntp } },
    {
      apiVersion: "v1alpha1",
      kind: "LinkConfig",
      name: plan.network.interface,
      up: true,
      addresses: [{ address: `${node.ip}/${plan.network.prefix}` }],
      // no destination: Talos 1.12+ makes a gateway-only route the default route and rejects 0.0.0.0/0
      routes: [{ gateway: plan.network.gateway }],
    },
  ];
  if (node.role === "controlplane" && plan.endpoint.mode === "vip" && plan.endpoint.vip) {
    docs.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: plan.endpoint.vip, link: plan.network.interface });
  }
  return docs;
}

/** Every patch document for one node, v1alpha1 first. */
export function nodePatchDocuments(plan: Plan, node: NodePlan, schematicId: string): PatchDocument[] {
  return [v1alpha1Document(plan, node, schematicId), ...networkDocuments(plan, node)];
}

/** The Image Factory schematic: the extensions every node image carries. */
export function schematic(plan: Plan): { customization: { systemExtensions: { officialExtensions: string[] } } } {
  return { customization: { systemExtensions: { officialExtensions: [...plan.image.extensions].sort() } } };
}
