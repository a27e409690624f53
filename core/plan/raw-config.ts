// Shapes of the stack config (namespace `homelab`), checked with zod. Types only; meaning is
// checked in build-plan.ts and in the shared rules.
import { z } from "zod";

const str = z.string().trim().min(1);

/** The public Image Factory: schematics, disk images and (on the same host) the installer images. */
export const DEFAULT_IMAGE_FACTORY_URL = "https://factory.talos.dev";
const int = z.number().int();

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
    name: str,
    role: z.enum(["controlplane", "worker"]),
    ip: str,
    vmId: int.min(100).max(999999999),
    host: str.optional(),
    cpu: int.min(1),
    memoryGiB: z.number().positive(),
    osDiskGB: int.min(1).optional(),
    dataDisksGB: z.array(int.min(1)).default([]),
    mac: str.optional(),
    // the node no longer answers (disk lost, VM gone): stop managing it without contacting it, then remove it
    unreachable: z.boolean().default(false),
  })
  .strict();

export const rawConfigSchema = z.object({
  clusterName: str.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "lowercase letters, digits and '-'").default("homelab"),
  // talosConfig: the version the machine configs are generated for (the config contract); see
  // core/deployed/contract.ts for its default
  versions: z.object({ talos: str, kubernetes: str, cilium: str, talosConfig: str.optional() }).strict(),
  proxmox: z
    .object({
      endpoint: str.optional(),
      insecure: z.boolean().default(false),
      bridge: str.default("vmbr0"),
      hosts: z.array(hostSchema).min(1),
      sharedDatastores: z.array(str).default([]),
    })
    .strict(),
  image: z
    .object({
      extensions: z.array(str).default(["siderolabs/qemu-guest-agent"]),
      // a self-hosted or air-gapped Image Factory (siderolabs/image-factory); checked in build-plan.ts
      factoryUrl: str.default(DEFAULT_IMAGE_FACTORY_URL),
    })
    .strict()
    .default({ extensions: ["siderolabs/qemu-guest-agent"], factoryUrl: DEFAULT_IMAGE_FACTORY_URL }),
  network: z
    .object({
      subnet: str,
      gateway: str,
      dns: z.array(str),
      ntp: z.array(str),
      interface: str.default("eth0"),
      podCidr: str.default("10.244.0.0/16"),
      serviceCidr: str.default("10.96.0.0/12"),
      dhcpRange: z.object({ start: str, stop: str }).strict().optional(),
    })
    .strict(),
  endpoint: z
    .object({
      mode: z.string(),
      vip: str.optional(),
      dnsName: str.optional(),
      haproxy: z
        .object({ host: str, sshUser: str.default("root"), sshPort: int.min(1).max(65535).default(22), listenAddress: str.optional() })
        .strict()
        .optional(),
    })
    .strict(),
  kubePrismPort: int.min(1).max(65535).default(7445),
  capacityHeadroom: z.number().min(1).default(2),
  lbPool: z.object({ start: str, stop: str }).strict(),
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
