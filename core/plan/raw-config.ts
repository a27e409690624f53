// Shapes of the stack config (namespace `homelab`), checked with zod: types, formats (addresses, CIDRs,
// versions, names) and fixed value sets. A format carries the fix a problem names (`.meta({ fix })`);
// meaning and relations between values are the checks' (checks/) and the shared rules'.
import { z } from "zod";
import { EXTENSION_NAME } from "../talos/schematic-id";
import { release } from "../versions";

/** The public Image Factory: schematics, disk images and (on the same host) the installer images. */
export const DEFAULT_IMAGE_FACTORY_URL = "https://factory.talos.dev";

const str = z.string().trim().min(1);
const int = z.number().int();

/** The message of a value in the wrong format: `"<value>" is not <what>`. */
const notA = (what: string) => (iss: { code: string; input?: unknown }) =>
  iss.code === "invalid_format" || iss.code === "custom" ? `"${String(iss.input)}" is not ${what}` : undefined;

const ipv4 = (fix: string) =>
  z
    .string()
    .trim()
    .pipe(z.ipv4({ error: notA("an IPv4 address") }).meta({ fix }));
const cidrv4 = (fix: string) =>
  z
    .string()
    .trim()
    .pipe(z.cidrv4({ error: notA("an IPv4 CIDR") }).meta({ fix }));
const version = (fix: string) =>
  z
    .string()
    .trim()
    .refine((v) => release(v) !== undefined, { error: notA("a version") })
    .meta({ fix });
/** A DNS label: a node's hostname; the cluster name, which is also a Proxmox tag. */
const label = (what: string, limit: string, fix: string) =>
  z
    .string()
    .trim()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: notA(what) })
    .max(63, { error: (iss) => `"${String(iss.input).slice(0, 20)}..." is ${String(iss.input).length} characters long; ${limit}` })
    .meta({ fix });

export const ENDPOINT_MODES = ["vip", "kubeprism", "haproxy"] as const;
export const ROLES = ["controlplane", "worker"] as const;

export const hostSchema = z
  .object({
    name: str,
    datastore: str.default("local-lvm"),
    imageDatastore: str.default("local"),
    capacity: z
      .object({ cpu: int.min(1).optional(), memoryGiB: z.number().positive().optional(), diskGB: z.number().positive().optional() })
      .strict()
      .optional(),
  })
  .strict();

export const nodeSchema = z
  .object({
    name: label(
      "a valid hostname",
      "a hostname label has at most 63",
      "use lowercase letters, digits and '-', at most 63 characters, e.g. talos-cp-01",
    ),
    role: z.enum(ROLES),
    ip: ipv4("write the node's static address inside the node subnet"),
    vmId: int.min(100).max(999999999),
    host: str.optional(),
    cpu: int.min(1),
    memoryGiB: z.number().positive(),
    osDiskGB: int.min(1).optional(),
    dataDisksGB: z.array(int.min(1)).default([]),
    mac: z
      .string()
      .trim()
      .regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, { error: notA("a MAC address") })
      .meta({ fix: "write six hex pairs, e.g. BC:24:11:00:00:11" })
      .optional(),
    // the node no longer answers (disk lost, VM gone): stop managing it without contacting it, then remove it
    unreachable: z.boolean().default(false),
  })
  .strict();

const range = (fix: string) => z.object({ start: ipv4(fix), stop: ipv4(fix) }).strict();

const extensions = z.array(
  z
    .string()
    .trim()
    .regex(EXTENSION_NAME, { error: notA("an official extension name") })
    .meta({ fix: "write <org>/<name> in lowercase, e.g. siderolabs/qemu-guest-agent" }),
);

export const rawConfigSchema = z.object({
  clusterName: label(
    "a DNS label",
    "it is a DNS label and a Proxmox tag (63 at most)",
    "use lowercase letters, digits and '-', at most 63 characters",
  ).default("homelab"),
  // talosConfig: the version the machine configs are generated for (the config contract); see
  // core/deployed/contract.ts for its default
  versions: z
    .object({
      talos: version("write a Talos release such as v1.11.5"),
      kubernetes: version("write a Kubernetes release such as v1.34.1"),
      cilium: str,
      talosConfig: version("write the Talos release the cluster was created with, such as v1.11.5, or remove the key").optional(),
    })
    .strict(),
  proxmox: z
    .object({
      endpoint: z
        .string()
        .trim()
        .regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, { error: notA("an API URL") })
        .meta({ fix: "write https://<host>:8006/" })
        .optional(),
      insecure: z.boolean().default(false),
      bridge: str.default("vmbr0"),
      hosts: z.array(hostSchema).min(1),
      sharedDatastores: z.array(str).default([]),
    })
    .strict(),
  image: z
    .object({
      extensions: extensions.default(["siderolabs/qemu-guest-agent"]),
      // a self-hosted or air-gapped Image Factory (siderolabs/image-factory); checked in checks/
      factoryUrl: str.default(DEFAULT_IMAGE_FACTORY_URL),
    })
    .strict()
    .default({ extensions: ["siderolabs/qemu-guest-agent"], factoryUrl: DEFAULT_IMAGE_FACTORY_URL }),
  network: z
    .object({
      subnet: cidrv4("write the node network as a CIDR, e.g. 192.168.0.0/24"),
      gateway: ipv4("write the router address, e.g. 192.168.0.1"),
      dns: z.array(ipv4("write a resolver address such as 1.1.1.1")),
      // host names or addresses: checked as DNS names in checks/
      ntp: z.array(str),
      interface: str.default("eth0"),
      podCidr: cidrv4("write e.g. 10.20.0.0/16").default("10.244.0.0/16"),
      serviceCidr: cidrv4("write e.g. 10.96.0.0/12").default("10.96.0.0/12"),
      dhcpRange: range("write an address such as 192.168.0.100").optional(),
    })
    .strict(),
  endpoint: z
    .object({
      mode: z.enum(ENDPOINT_MODES, {
        error: (iss) => (iss.input === undefined ? undefined : `"${String(iss.input)}" is not an endpoint mode`),
      }),
      vip: ipv4("write an unused address of the node subnet").optional(),
      dnsName: str.optional(),
      haproxy: z
        .object({ host: str, sshUser: str.default("root"), sshPort: int.min(1).max(65535).default(22), listenAddress: str.optional() })
        .strict()
        .optional(),
    })
    .strict(),
  kubePrismPort: int.min(1).max(65535).default(7445),
  capacityHeadroom: z.number().min(1).default(2),
  lbPool: range("write an address of the node subnet, e.g. 192.168.0.201"),
  nodes: z.array(nodeSchema).min(1),
  upgrade: z
    .object({
      workerBatchSize: int.positive().default(1),
      snapshotDir: str.default(".etcd-snapshots"),
      // snapshots the steps keep in snapshotDir (the oldest go first); the directory is never emptied
      keepSnapshots: int.min(1).default(10),
    })
    .strict()
    .default({ workerBatchSize: 1, snapshotDir: ".etcd-snapshots", keepSnapshots: 10 }),
  // scheduled in-cluster etcd snapshots (off unless set): a CronJob with Talos API access
  etcdBackup: z
    .object({
      schedule: str,
      keep: int.positive().default(7),
      storageClass: str.optional(),
      sizeGi: int.positive().default(5),
    })
    .strict()
    .optional(),
});

export type RawConfig = z.infer<typeof rawConfigSchema>;

/** Keys of the stack config that hold secrets (set with `pulumi config set --secret`). */
export const SECRET_KEYS = {
  proxmoxApiToken: "homelab:proxmoxApiToken",
  haproxySshPrivateKey: "homelab:haproxySshPrivateKey",
} as const;
