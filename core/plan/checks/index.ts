// Step 2 of the plan: the checks. One registry, read top to bottom: each entry names the config key it
// judges and runs once, on the well-formed parts of the config (so a shape error elsewhere hides
// nothing). The shared rules (core/rules), which the policy pack runs too, come after assembly.
import type { PlanInputs } from "../inputs";
import type { WellFormedConfig } from "../parse";
import type { ConfigProblem } from "../problems";
import type { Check } from "./check";
import * as endpoint from "./endpoint";
import * as network from "./network";
import * as nodes from "./nodes";
import * as proxmox from "./proxmox";
import * as versions from "./versions";

export const CHECKS: readonly Check[] = [
  // releases
  { key: "versions.talos", run: versions.talosSupported },
  { key: "versions.kubernetes", run: versions.kubernetesForTalos },
  { key: "versions.talosConfig", run: versions.contractNotAboveTalos },
  { key: "versions.cilium", run: versions.ciliumSupported },
  { key: "etcdBackup.schedule", run: versions.etcdBackupSchedule },
  { key: "image.factoryUrl", run: versions.imageFactoryUrl },
  { key: "image.extensions", run: versions.extensionsListedOnce },
  // Proxmox
  { key: "proxmox.endpoint", run: proxmox.proxmoxEndpointSet },
  { key: "proxmoxApiToken", run: proxmox.proxmoxCredentials },
  { key: "proxmox.hosts", run: proxmox.hostsDeclaredOnce },
  { key: "proxmox.hosts", run: proxmox.imageDatastores },
  { key: "proxmox.sharedDatastores", run: proxmox.sharedDatastores },
  // network
  { key: "network.subnet", run: network.cidrHostBits("subnet") },
  { key: "network.podCidr", run: network.cidrHostBits("podCidr") },
  { key: "network.serviceCidr", run: network.cidrHostBits("serviceCidr") },
  { key: "network.subnet", run: network.cidrNotSpecial("subnet") },
  { key: "network.podCidr", run: network.cidrNotSpecial("podCidr") },
  { key: "network.serviceCidr", run: network.cidrNotSpecial("serviceCidr") },
  { key: "network.serviceCidr", run: network.serviceCidrSize },
  { key: "network.podCidr", run: network.podCidrHoldsNodes },
  { key: "network.dns", run: network.dnsListedOnce },
  { key: "network.ntp", run: network.ntpServerNames },
  { key: "network.ntp", run: network.ntpListedOnce },
  { key: "lbPool", run: network.lbPoolInOrder },
  // endpoint
  { key: "endpoint.vip", run: endpoint.vipMatchesMode },
  { key: "endpoint.haproxy", run: endpoint.haproxyHostForMode },
  { key: "haproxySshPrivateKey", run: endpoint.haproxySshKey },
  { key: "endpoint.dnsName", run: endpoint.endpointDnsName },
  { key: "endpoint.haproxy.sshPort", run: endpoint.haproxySshPort },
  { key: "endpoint.haproxy.listenAddress", run: endpoint.haproxyListenAddress },
  { key: "endpoint.haproxy", run: endpoint.haproxyOwnAddress },
  { key: "kubePrismPort", run: endpoint.kubePrismPortFree },
  // nodes
  { key: "nodes", run: nodes.nodesOnDeclaredHosts },
  { key: "nodes", run: nodes.macsUnique },
  { key: "nodes", run: nodes.macsUnicast },
  { key: "nodes", run: nodes.unreachableKeepQuorum },
];

/** Every check once; each finding filed under its check's key. */
export function runChecks(cfg: WellFormedConfig, input: PlanInputs, checks: readonly Check[] = CHECKS): ConfigProblem[] {
  return checks.flatMap((check) =>
    check.run(cfg, input).map((f) => ({ key: `homelab:${check.key}${f.at ?? ""}`, message: f.message, fix: f.fix })),
  );
}
