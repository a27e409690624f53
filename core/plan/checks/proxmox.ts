// Checks of `proxmox` and the Proxmox credentials: where the API is, how the program logs in, which
// hosts and datastores exist.
import { hasProxmoxCredentials, type PlanInputs } from "../inputs";
import type { WellFormedConfig } from "../parse";
import { SECRET_KEYS } from "../raw-config";
import { IMPORT_STORAGE_TYPES, INSTALLER_BLOCK_STORAGES } from "../storage";
import type { Found } from "./check";

/** Credentials are only needed to deploy: the preflight plans without them (checkCredentials false). */
const deploying = (input: PlanInputs) => input.checkCredentials !== false;

export function proxmoxEndpointSet(_cfg: WellFormedConfig, input: PlanInputs): Found[] {
  // set but malformed is the schema's problem, not a missing endpoint
  const inStackFile = (input.config.proxmox as { endpoint?: unknown } | undefined)?.endpoint !== undefined;
  if (!deploying(input) || inStackFile || input.env.PROXMOX_VE_ENDPOINT) return [];
  return [
    {
      message: "no Proxmox API endpoint",
      fix: "set `proxmox.endpoint: https://<host>:8006/` in the stack file, or the PROXMOX_VE_ENDPOINT environment variable",
    },
  ];
}

export function proxmoxCredentials(_cfg: WellFormedConfig, input: PlanInputs): Found[] {
  if (!deploying(input) || hasProxmoxCredentials(input)) return [];
  return [
    {
      message: "no Proxmox credentials",
      fix: `run \`pulumi config set --secret ${SECRET_KEYS.proxmoxApiToken} 'user@pam!token=<uuid>'\`, or export PROXMOX_VE_API_TOKEN (or PROXMOX_VE_USERNAME and PROXMOX_VE_PASSWORD)`,
    },
  ];
}

export function hostsDeclaredOnce(cfg: WellFormedConfig): Found[] {
  const names = (cfg.proxmox?.hosts ?? []).map((h) => h?.name);
  const twice = new Set(names.filter((h, i) => h !== undefined && names.indexOf(h) !== i));
  return [...twice].map((h) => ({ message: `Proxmox host ${h} is declared twice`, fix: "declare each host once" }));
}

/** Storages Proxmox VE creates on every node as node-local; they can never be shared. */
const NODE_LOCAL = ["local", "local-lvm", "local-zfs"];

export function sharedDatastores(cfg: WellFormedConfig): Found[] {
  const shared = cfg.proxmox?.sharedDatastores ?? [];
  const hosts = cfg.proxmox?.hosts;
  // "no host uses it" needs every host's datastores
  const used = hosts?.every((h) => h) ? new Set(hosts.flatMap((h) => [h?.datastore, h?.imageDatastore])) : undefined;
  return shared.flatMap((d, i): Found[] => {
    const at = `[${i}]`;
    if (d === undefined) return [];
    if (shared.indexOf(d) !== i) return [{ at, message: `"${d}" is listed twice`, fix: "list each shared datastore once" }];
    if (NODE_LOCAL.includes(d)) {
      return [
        {
          at,
          message: `"${d}" is node-local storage on every Proxmox host, it cannot be shared`,
          fix: `remove "${d}"; list only storages every host mounts (NFS, CephFS, ...)`,
        },
      ];
    }
    if (!used || used.has(d)) return [];
    return [
      {
        at,
        message: `no host uses "${d}" as datastore or imageDatastore, so the entry does nothing`,
        fix: `remove it, or set \`imageDatastore: ${d}\` on the hosts that mount it`,
      },
    ];
  });
}

/** An image datastore that can never receive the Talos image: refused before Proxmox refuses the download. */
export function imageDatastores(cfg: WellFormedConfig): Found[] {
  return (cfg.proxmox?.hosts ?? []).flatMap((h, i) => {
    const kind = h?.imageDatastore ? INSTALLER_BLOCK_STORAGES[h.imageDatastore] : undefined;
    if (!kind) return [];
    return [
      {
        at: `[${i}].imageDatastore`,
        message: `"${h?.imageDatastore}" is the installer's ${kind} storage (host ${h?.name}): block storage holds disk images, never the \`import\` content type the Talos image is downloaded as`,
        fix: `write a file-based storage with the Import content type (${IMPORT_STORAGE_TYPES.join(", ")}), e.g. \`imageDatastore: local\` after \`pvesm set local --content <its current types>,import\``,
      },
    ];
  });
}
