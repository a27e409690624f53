// The Proxmox VE user, roles, ACLs and API token the program needs, as `pveum` commands for a plan.
// Pure. Each privilege is here because an API call the program makes (through the Proxmox provider,
// bpg's VmLegacy and download.File as configured in components/) checks it; the source that checks it
// is named next to it. The same privileges exist on Proxmox VE 8.4 and 9.x: the program never calls
// the guest agent (agent.waitForIp is disabled and no VM is rebooted by the provider), so neither
// VM.Monitor (8.x) nor VM.GuestAgent.Audit (9.x, which replaced it) is needed.
import type { Plan } from "./types";

export interface ProxmoxRole {
  name: string;
  privileges: string[];
  /** why each privilege is needed: the call, and the source line that checks it */
  why: Record<string, string>;
}

const role = (name: string, why: Record<string, string>): ProxmoxRole => ({ name, privileges: Object.keys(why).sort(), why });

export const PROXMOX_ROLES = {
  system: role("TalosHomelabSys", {
    "Sys.Audit":
      "image download (download-url: Sys.Audit and Sys.Modify on /, pve-storage API2/Storage/Status.pm); HA state read before a host move",
    "Sys.Modify": "image download (as above); the VM `startup` option (qemu-server API2/Qemu.pm: startup needs Sys.Modify on /); VM tags",
  }),
  vms: role("TalosHomelabVM", {
    "VM.Allocate": "create and delete VMs (a vmId change replaces the VM)",
    "VM.Audit": "read VM config and status",
    "VM.Config.CPU": "cores, sockets, CPU type",
    "VM.Config.Memory": "memory",
    "VM.Config.Disk": "resize the imported OS disk, boot order, disk changes",
    "VM.Config.CDROM": "the cloud-init drive is a CD-ROM (ide2) of an existing VM",
    "VM.Config.Cloudinit": "ipconfig0, nameserver (NoCloud network data)",
    "VM.Config.Network": "the NIC (net0)",
    "VM.Config.HWType": "machine q35, SCSI controller, the serial port (socket)",
    "VM.Config.Options": "name, description, tags, onboot, startup order, agent flag, OS type",
    "VM.PowerMgmt": "start after create, stop before delete",
    "VM.Migrate": "a `host` change live-migrates the VM",
  }),
  disks: role("TalosHomelabDisks", {
    "Datastore.AllocateSpace":
      "VM disks and the cloud-init drive on `datastore` (qemu-server check_storage_access), disk resize, the target of a host move",
    "Datastore.Audit": "read a disk volume's format",
  }),
  image: role("TalosHomelabImage", {
    "Datastore.AllocateTemplate": "download the Talos image (download-url, content `import`)",
    "Datastore.Audit":
      "list the downloaded image; `import-from` reads it (pve-storage check_volume_access: Datastore.AllocateSpace or Datastore.Audit for `import` volumes)",
    "Datastore.Allocate":
      "delete the previous image when versions.talos or the extensions change, and on destroy (pve-storage API2/Storage/Content.pm delete)",
  }),
  network: role("TalosHomelabNet", {
    "SDN.Use": "a NIC on a bridge: SDN.Use on /sdn/zones/localnetwork/<bridge> (pve-guest-common check_vnet_access, Proxmox VE 8.0+)",
  }),
} as const;

export interface ProxmoxAcl {
  path: string;
  roles: string[];
  propagate: boolean;
}

/** Where each role applies for this plan: `/` (not inherited), `/vms`, each datastore, the bridge. */
export function proxmoxAcls(plan: Pick<Plan, "proxmox" | "nodes">): ProxmoxAcl[] {
  const used = new Set(plan.nodes.map((n) => n.host));
  const hosts = plan.proxmox.hosts.filter((h) => used.has(h.name));
  const storages = new Map<string, string[]>();
  const grant = (id: string, r: string) => {
    const l = storages.get(id) ?? [];
    if (!l.includes(r)) l.push(r);
    storages.set(id, l);
  };
  for (const h of hosts) grant(h.datastore, PROXMOX_ROLES.disks.name);
  for (const h of hosts) grant(h.imageDatastore, PROXMOX_ROLES.image.name);
  return [
    { path: "/", roles: [PROXMOX_ROLES.system.name], propagate: false },
    { path: "/vms", roles: [PROXMOX_ROLES.vms.name], propagate: true },
    ...[...storages].map(([id, roles]) => ({ path: `/storage/${id}`, roles, propagate: true })),
    { path: `/sdn/zones/localnetwork/${plan.proxmox.bridge}`, roles: [PROXMOX_ROLES.network.name], propagate: true },
  ];
}

/**
 * Copy-paste `pveum` commands (run as root on one Proxmox host): the user, the five roles, the ACLs and
 * a token without privilege separation, so the token has exactly the user's privileges. With
 * `privsep`, the token is created with separation (Proxmox's default) and every ACL is given to the
 * token as well: its privileges are then the intersection of the user's and its own.
 */
export function pveumCommands(
  plan: Pick<Plan, "proxmox" | "nodes">,
  opts: { user?: string; token?: string; privsep?: boolean } = {},
): string[] {
  const user = opts.user ?? "pulumi@pve";
  const token = opts.token ?? "homelab";
  const tokenId = `${user}!${token}`;
  const acls = proxmoxAcls(plan);
  const aclLine = (a: ProxmoxAcl, who: string) =>
    `pveum acl modify ${a.path} ${who} --roles ${a.roles.join(",")}${a.propagate ? "" : " --propagate 0"}`;
  return [
    `pveum user add ${user} --comment "Pulumi: Talos on Proxmox"`,
    ...Object.values(PROXMOX_ROLES).map((r) => `pveum role add ${r.name} --privs "${r.privileges.join(",")}"`),
    ...acls.map((a) => aclLine(a, `--users ${user}`)),
    `pveum user token add ${user} ${token} --privsep ${opts.privsep ? 1 : 0}`,
    ...(opts.privsep ? acls.map((a) => aclLine(a, `--tokens '${tokenId}'`)) : []),
  ];
}
