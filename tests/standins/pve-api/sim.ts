// Proxmox VE API simulator (a stand-in for tests): the calls bpg/terraform-provider-proxmox v0.111.1 makes
// for VmLegacy (proxmoxtf/resource/vm/*.go, proxmox/nodes/vms/*.go) and download.File
// (fwprovider/nodes/resource_download_file.go, proxmox/nodes/storage/*.go), answered in PVE's own formats
// (form-encoded requests, `{"data": ...}` answers, drive strings such as
// `local-lvm:vm-1011-disk-0,iothread=1,size=50G`, `tags: a;b`, errors in the HTTP reason phrase), with state:
// nodes, storages with their content types, volumes, VMs with a current config and pending changes,
// power state, tasks with UPIDs. Every request is journalled (JSONL) with the answer's status.
//
// What it models, after PVE 8.4 (pve-manager, qemu-server):
// - API-token auth (`Authorization: PVEAPIToken=<user>@<realm>!<id>=<secret>`); anything else gets 401.
// - download-url: refused when the storage lacks the content type or the file exists; otherwise a task that
//   fetches the URL (the Image Factory stand-in) and fails when the fetch does.
// - qemu create: drives `<storage>:<GiB>` allocate `vm-<id>-disk-<n>` on a storage with `images`; `import-from`
//   copies a volume that must exist on that node (the task fails otherwise) and the disk takes the image's size;
//   `format` and `import-from` are not kept in the config (qemu-server create_disks); `<storage>:cloudinit`
//   becomes `vm-<id>-cloudinit,media=cdrom`; a NIC without a MAC gets one (`virtio=BC:24:11:..`); PVE adds
//   smbios1 (uuid), vmgenid and meta. The task fails for a vmid in use.
// - config updates (PUT synchronous, POST as a task): on a stopped VM applied at once; on a running VM written
//   as pending and then hot-plugged the way qemu-server's vmconfig_hotplug_pending decides with the default
//   `hotplug: network,disk,usb`: the "fast plug" options (name, description, tags, onboot, startup, protection,
//   ...) and NICs and disks apply live (except a disk whose aio, discard, iothread, queues, cache, ssd or ro
//   changes: qemu-server's vmconfig_update_disk leaves that pending); everything else (cores, sockets, cpu, memory, agent, machine, ...)
//   stays pending until the VM is started again (start, reboot). `delete=` removes keys the same way.
//   GET config merges pending values in unless `current=1`; GET pending lists {key, value, pending, delete}.
// - resize (grow only), start/stop/shutdown/reboot as tasks, status/current, cluster/resources, nextid,
//   version, storage content list/get/delete, HA resource lookup (never HA-managed), task status and log.
// - migrate: refused at once for a running VM without `online`, to its own node, to an unknown node, or with
//   host devices (hostpci/usb); the task fails for a local cdrom (`cdrom`) or a disk whose storage the target
//   lacks (or local disks without `with-local-disks`); otherwise the VM and its volumes move.
// - delete: refused while running; the task removes the VM and its volumes.
// What it does not model: tickets/password login, permissions (any valid token may do anything), SSH,
// snapshots, clones/templates, the guest agent (answers "not running"), cloud-init regeneration, locks
// held over time (every task finishes at once), disk contents and real sizes beyond the image's length,
// memory/cpu hotplug (not in the default hotplug list), storage capacity, HA, pools, firewall, SDN.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { randomBytes, randomUUID } from "node:crypto";

export interface StorageDef {
  id: string;
  type: "dir" | "lvmthin" | "nfs";
  content: string[];
  shared?: boolean;
}
export interface NodeDef {
  name: string;
  storages: StorageDef[];
}
export interface SimConfig {
  /** `user@realm!tokenid=secret`, as the provider sends it */
  token: string;
  nodes: NodeDef[];
  journal: string;
  /** written after every change: VMs and volumes, for the tests */
  stateFile?: string;
  version?: string;
}

interface Volume {
  volid: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
}
interface Vm {
  vmid: number;
  node: string;
  status: "running" | "stopped";
  conf: Record<string, string | number>;
  pending: Record<string, string | number>;
  pendingDelete: string[];
}
interface Task {
  upid: string;
  node: string;
  type: string;
  id: string;
  status: "stopped";
  exitstatus: string;
  log: string[];
}

const GiB = 1024 ** 3;
/** keys qemu-server types as integer or boolean (answered as JSON numbers); everything else is a string */
const NUMERIC = new Set([
  "cores",
  "sockets",
  "vcpus",
  "cpuunits",
  "shares",
  "balloon",
  "migrate_speed",
  "bwlimit",
  "acpi",
  "onboot",
  "numa",
  "tablet",
  "template",
  "protection",
  "kvm",
  "localtime",
  "freeze",
  "reboot",
  "ciupgrade",
  "autostart",
  "tdf",
]);
/** qemu-server's $fast_plug_option: applied at once even on a running VM */
const FAST_PLUG = new Set([
  "description",
  "hookscript",
  "lock",
  "migrate_downtime",
  "migrate_speed",
  "name",
  "onboot",
  "protection",
  "shares",
  "startup",
  "tags",
  "vmstatestorage",
]);
const NIC_MODELS = ["e1000", "e1000e", "rtl8139", "virtio", "vmxnet3", "i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet"];
const DRIVE = /^(ide|sata|scsi|virtio)\d+$|^(efidisk|tpmstate)0$/;
/** hot-pluggable with PVE's default `hotplug: network,disk,usb` (cpulimit/cpuunits/balloon always apply live) */
const hotpluggable = (key: string) =>
  FAST_PLUG.has(key) ||
  /^net\d+$/.test(key) ||
  (DRIVE.test(key) && !/^(efidisk|tpmstate)/.test(key)) ||
  /^usb\d+$/.test(key) ||
  ["cpulimit", "cpuunits", "balloon", "tablet"].includes(key);

/** PVE's format_size: the largest unit that divides the size */
export function formatSize(bytes: number): string {
  for (const [u, f] of [
    ["T", 1024 ** 4],
    ["G", GiB],
    ["M", 1024 ** 2],
    ["K", 1024],
  ] as const)
    if (bytes % f === 0 && bytes >= f) return `${bytes / f}${u}`;
  return String(bytes);
}
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(s.trim());
  if (!m) throw new Error(`invalid size '${s}'`);
  return Math.round(Number(m[1]) * ({ "": 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 } as Record<string, number>)[m[2]]);
}
/** a property string `first,k=v,...`: its default value and options, in order */
function parseProps(s: string, defaultKey: string): { first?: string; opts: [string, string][] } {
  let first: string | undefined;
  const opts: [string, string][] = [];
  for (const part of s.split(",")) {
    if (part === "") continue;
    const i = part.indexOf("=");
    if (i < 0) first = part;
    else if (part.slice(0, i) === defaultKey) first = part.slice(i + 1);
    else opts.push([part.slice(0, i), part.slice(i + 1)]);
  }
  return { first, opts };
}
const joinProps = (first: string | undefined, opts: [string, string][]) =>
  [...(first !== undefined ? [first] : []), ...opts.map(([k, v]) => `${k}=${v}`)].join(",");

export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

export class PveSimulator {
  readonly vms = new Map<number, Vm>();
  /** volumes by `<node>/<storage>` (a shared storage: `*\/<storage>`) */
  readonly volumes = new Map<string, Volume[]>();
  readonly tasks = new Map<string, Task>();
  private taskSeq = 0;
  private journalFd: number;

  constructor(readonly cfg: SimConfig) {
    this.journalFd = fs.openSync(cfg.journal, "a");
  }

  // ---------- state helpers ----------
  node(name: string): NodeDef {
    const n = this.cfg.nodes.find((x) => x.name === name);
    if (!n) throw new HttpError(595, `no such cluster node '${name}'`);
    return n;
  }
  storage(node: string, id: string): StorageDef {
    const s = this.node(node).storages.find((x) => x.id === id);
    if (!s) throw new HttpError(500, `storage '${id}' does not exist`);
    return s;
  }
  private store(node: string, id: string): Volume[] {
    const s = this.storage(node, id);
    const k = s.shared ? `*/${id}` : `${node}/${id}`;
    if (!this.volumes.has(k)) this.volumes.set(k, []);
    return this.volumes.get(k)!;
  }
  findVolume(node: string, volid: string): Volume | undefined {
    const [sid] = volid.split(":");
    return this.store(node, sid).find((v) => v.volid === volid);
  }
  addVolume(node: string, v: Volume): void {
    this.store(node, v.volid.split(":")[0]).push(v);
    this.save();
  }
  private removeVolume(node: string, volid: string): boolean {
    const list = this.store(node, volid.split(":")[0]);
    const i = list.findIndex((v) => v.volid === volid);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }
  vm(node: string, vmid: number): Vm {
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== node) throw new HttpError(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }
  private task(node: string, type: string, id: string, work: (log: string[]) => void): string {
    const upid = `UPID:${node}:${(0x1000 + ++this.taskSeq).toString(16).toUpperCase().padStart(8, "0")}:00000000:${Math.floor(
      Date.now() / 1000,
    )
      .toString(16)
      .toUpperCase()}:${type}:${id}:${this.cfg.token.split("=")[0]}:`;
    const log: string[] = [];
    let exitstatus = "OK";
    try {
      work(log);
    } catch (e) {
      exitstatus = (e as Error).message;
      log.push(`TASK ERROR: ${exitstatus}`);
    }
    if (exitstatus === "OK") log.push("TASK OK");
    this.tasks.set(upid, { upid, node, type, id, status: "stopped", exitstatus, log });
    this.journal({ event: "task", upid, type, id, node, exitstatus });
    this.save();
    return upid;
  }
  private journal(entry: Record<string, unknown>): void {
    fs.writeSync(this.journalFd, `${JSON.stringify({ t: Date.now(), ...entry })}\n`);
  }
  save(): void {
    if (!this.cfg.stateFile) return;
    const state = {
      vms: Object.fromEntries(
        [...this.vms].map(([id, v]) => [
          id,
          { node: v.node, status: v.status, config: v.conf, pending: v.pending, pendingDelete: v.pendingDelete },
        ]),
      ),
      volumes: Object.fromEntries(this.volumes),
    };
    fs.writeFileSync(`${this.cfg.stateFile}.tmp`, JSON.stringify(state, null, 1));
    fs.renameSync(`${this.cfg.stateFile}.tmp`, this.cfg.stateFile);
  }

  // ---------- drives ----------
  /** the volumes a drive string refers to (not cdrom/none/absolute paths) */
  private driveVolume(value: string): string | undefined {
    const { first } = parseProps(String(value), "file");
    return first?.includes(":") && !/^\//.test(first) ? first : undefined;
  }
  private nextDiskName(vm: Vm, storage: string): string {
    const used = new Set(
      this.store(vm.node, storage)
        .filter((v) => v.vmid === vm.vmid)
        .map((v) => v.volid),
    );
    for (let n = 0; ; n++) if (!used.has(`${storage}:vm-${vm.vmid}-disk-${n}`)) return `${storage}:vm-${vm.vmid}-disk-${n}`;
  }
  /** qemu-server create_disks for one drive: allocate/import new volumes, return the config value */
  private createDrive(vm: Vm, key: string, value: string, log: string[]): string {
    const { first, opts } = parseProps(value, "file");
    if (!first) throw new Error(`${key}: no volume given`);
    const get = (k: string) => opts.find(([x]) => x === k)?.[1];
    const rest = opts.filter(([k]) => k !== "import-from" && k !== "format" && k !== "size");
    const media = get("media");
    const m = /^([^:/]+):(cloudinit|\d+(?:\.\d+)?)$/.exec(first);
    if (!m) {
      // an existing volume, a cdrom (`cdrom`, `none`) or an ISO: kept as given
      if (first.includes(":") && media === "cdrom" && !this.findVolume(vm.node, first)) throw new Error(`volume '${first}' does not exist`);
      return joinProps(
        first,
        opts.filter(([k]) => k !== "format"),
      );
    }
    const [, sid, amount] = m;
    const s = this.storage(vm.node, sid);
    if (!s.content.includes("images")) throw new Error(`storage '${sid}' does not support vm images`);
    if (amount === "cloudinit") {
      const volid = `${sid}:vm-${vm.vmid}-cloudinit`;
      this.store(vm.node, sid).push({ volid, content: "images", format: "raw", size: 4 * 1024 ** 2, vmid: vm.vmid });
      log.push(`${key}: successfully created disk '${volid},media=cdrom'`);
      return joinProps(volid, [["media", "cdrom"]]);
    }
    let size = parseSize(`${amount}G`);
    const importFrom = get("import-from");
    if (importFrom) {
      const src = this.findVolume(vm.node, importFrom);
      if (!src) throw new Error(`unable to create VM ${vm.vmid} - import-from: volume '${importFrom}' does not exist`);
      if (src.content !== "import" && src.content !== "images")
        throw new Error(`import-from: '${importFrom}' has content type '${src.content}', not 'import' or 'images'`);
      size = src.size;
      log.push(`importing disk '${importFrom}' to VM ${vm.vmid} ...`);
    }
    const volid = this.nextDiskName(vm, sid);
    this.store(vm.node, sid).push({
      volid,
      content: "images",
      format: s.type === "dir" ? (get("format") ?? "raw") : "raw",
      size,
      vmid: vm.vmid,
    });
    log.push(`${key}: successfully created disk '${volid},size=${formatSize(size)}'`);
    // a dir storage keeps the format in the volume name; LVM-thin volumes are raw and the config names none
    return joinProps(volid, [...rest, ["size", formatSize(size)]]);
  }
  /** qemu-server's net string: `<model>=<mac>` first (a MAC generated when none is given), then the options */
  private normalizeNet(value: string): string {
    let model: string | undefined;
    let mac: string | undefined;
    const rest: [string, string][] = [];
    for (const part of value.split(",").filter(Boolean)) {
      const [k, v = ""] = part.split(/=(.*)/s);
      if (k === "model") model = v;
      else if (k === "macaddr") mac = v;
      else if (NIC_MODELS.includes(k)) {
        model = k;
        if (v) mac = v;
      } else rest.push([k, v]);
    }
    if (!model) throw new HttpError(400, "Parameter verification failed.", { net0: "missing property 'model'" });
    mac ||= `BC:24:11:${randomBytes(3).toString("hex").toUpperCase().match(/../g)!.join(":")}`;
    return joinProps(`${model}=${mac.toUpperCase()}`, rest);
  }
  private numeric(key: string, value: string): string | number {
    return NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }

  // ---------- VM operations ----------
  createVm(node: string, params: Record<string, string>): string {
    this.node(node);
    const vmid = Number(params.vmid);
    if (!Number.isInteger(vmid) || vmid < 100) throw new HttpError(400, "Parameter verification failed.", { vmid: "invalid format" });
    return this.task(node, "qmcreate", String(vmid), (log) => {
      if (this.vms.has(vmid))
        throw new Error(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${this.vms.get(vmid)!.node}'`);
      const vm: Vm = { vmid, node, status: "stopped", conf: {}, pending: {}, pendingDelete: [] };
      const created: string[] = [];
      try {
        for (const [k, v] of Object.entries(params)) {
          if (["vmid", "node", "start", "pool", "archive", "force", "unique", "storage", "live-restore"].includes(k)) continue;
          if (DRIVE.test(k)) {
            const value = this.createDrive(vm, k, v, log);
            const vol = this.driveVolume(value);
            if (vol && /:vm-\d+-/.test(vol)) created.push(vol);
            vm.conf[k] = value;
          } else if (/^net\d+$/.test(k)) vm.conf[k] = this.normalizeNet(v);
          else vm.conf[k] = this.numeric(k, v);
        }
      } catch (e) {
        // qemu-server removes what it allocated before failing
        for (const vol of created) this.removeVolume(node, vol);
        throw e;
      }
      vm.conf.smbios1 ??= `uuid=${randomUUID()}`;
      vm.conf.vmgenid ??= randomUUID();
      vm.conf.meta = `creation-qemu=9.2.0,ctime=${Math.floor(Date.now() / 1000)}`;
      this.vms.set(vmid, vm);
    });
  }

  configGet(vm: Vm, current: boolean): Record<string, string | number> {
    const out: Record<string, string | number> = { ...vm.conf };
    if (!current) {
      Object.assign(out, vm.pending);
      for (const k of vm.pendingDelete) delete out[k];
    }
    out.digest = "0".repeat(40);
    return out;
  }
  pendingList(vm: Vm): { key: string; value?: unknown; pending?: unknown; delete?: number }[] {
    const keys = new Set([...Object.keys(vm.conf), ...Object.keys(vm.pending), ...vm.pendingDelete]);
    return [...keys].sort().map((key) => ({
      key,
      ...(key in vm.conf ? { value: vm.conf[key] } : {}),
      ...(key in vm.pending ? { pending: vm.pending[key] } : {}),
      ...(vm.pendingDelete.includes(key) ? { delete: 1 } : {}),
    }));
  }
  private applyPending(vm: Vm, only?: (k: string) => boolean): void {
    for (const [k, v] of Object.entries(vm.pending))
      if (!only || only(k)) {
        vm.conf[k] = v;
        delete vm.pending[k];
      }
    vm.pendingDelete = vm.pendingDelete.filter((k) => {
      if (only && !only(k)) return true;
      this.dropDriveVolume(vm, k);
      delete vm.conf[k];
      return false;
    });
  }
  /** a removed drive's volume becomes `unusedN` (as PVE does), except cloud-init drives, which are deleted */
  private dropDriveVolume(vm: Vm, key: string): void {
    if (!DRIVE.test(key) || vm.conf[key] === undefined) return;
    const vol = this.driveVolume(String(vm.conf[key]));
    if (!vol || !/:vm-\d+-/.test(vol)) return;
    if (vol.endsWith("-cloudinit")) {
      this.removeVolume(vm.node, vol);
      return;
    }
    let n = 0;
    while (vm.conf[`unused${n}`] !== undefined) n++;
    vm.conf[`unused${n}`] = vol;
  }

  updateConfig(vm: Vm, params: Record<string, string>, log: string[]): void {
    if (params.digest && params.digest !== "0".repeat(40))
      throw new HttpError(500, "VM config was modified by another process (digest mismatch)");
    const deletes = (params.delete ?? "").split(/[,;\s]+/).filter(Boolean);
    // drive options qemu-server cannot change on a running disk (vmconfig_update_disk: "skip")
    const coldOnly = new Set<string>();
    for (const [k, raw] of Object.entries(params)) {
      if (["delete", "digest", "node", "vmid", "skiplock", "revert", "background_delay", "force"].includes(k)) continue;
      let v: string | number = raw;
      if (DRIVE.test(k)) {
        const current = vm.pending[k] ?? vm.conf[k];
        const { first } = parseProps(raw, "file");
        const curVol = current !== undefined ? this.driveVolume(String(current)) : undefined;
        // the same volume with new options: keep the volume name and its size, take the options
        if (curVol && first === curVol) {
          const curOpts = parseProps(String(current), "file").opts;
          const size = curOpts.find(([x]) => x === "size");
          const opts = parseProps(raw, "file").opts.filter(([x]) => x !== "size" && x !== "format" && x !== "import-from");
          const opt = (list: [string, string][], name: string) => list.find(([x]) => x === name)?.[1];
          if (["aio", "discard", "iothread", "queues", "cache", "ssd", "ro"].some((o) => opt(curOpts, o) !== opt(opts, o))) coldOnly.add(k);
          v = joinProps(curVol, size ? [...opts, size] : opts);
        } else {
          v = this.createDrive(vm, k, raw, log);
          if (current !== undefined) this.dropDriveVolume(vm, k);
        }
      } else if (/^net\d+$/.test(k)) {
        // a NIC keeps its MAC unless the update names one
        const cur = vm.pending[k] ?? vm.conf[k];
        const hasMac = raw.split(",").some((x) => x.startsWith("macaddr=") || NIC_MODELS.some((m) => x.startsWith(`${m}=`)));
        const curMac = cur !== undefined ? String(cur).split(",")[0].split("=")[1] : undefined;
        v = this.normalizeNet(hasMac || !curMac ? raw : `${raw},macaddr=${curMac}`);
      } else v = this.numeric(k, raw);
      vm.pending[k] = v;
      vm.pendingDelete = vm.pendingDelete.filter((x) => x !== k);
    }
    for (const k of deletes) {
      if (vm.conf[k] === undefined && vm.pending[k] === undefined) continue;
      delete vm.pending[k];
      if (vm.conf[k] !== undefined && !vm.pendingDelete.includes(k)) vm.pendingDelete.push(k);
    }
    // a stopped VM takes everything at once; a running one what can be hot-plugged (vmconfig_hotplug_pending)
    if (vm.status === "stopped") this.applyPending(vm);
    else this.applyPending(vm, (k) => hotpluggable(k) && !coldOnly.has(k));
    // a pending value equal to the current one is no change
    for (const [k, pv] of Object.entries(vm.pending)) if (String(vm.conf[k]) === String(pv)) delete vm.pending[k];
    this.save();
  }

  resize(vm: Vm, disk: string, size: string): string {
    return this.task(vm.node, "resize", String(vm.vmid), () => {
      const cur = vm.conf[disk];
      if (cur === undefined) throw new Error(`disk '${disk}' does not exist`);
      const vol = this.driveVolume(String(cur));
      const v = vol ? this.findVolume(vm.node, vol) : undefined;
      if (!v) throw new Error(`disk '${disk}' has no volume`);
      const target = size.startsWith("+") ? v.size + parseSize(size.slice(1)) : parseSize(size);
      if (target < v.size) throw new Error("shrinking disks is not supported");
      v.size = target;
      const { first, opts } = parseProps(String(cur), "file");
      vm.conf[disk] = joinProps(first, [...opts.filter(([k]) => k !== "size"), ["size", formatSize(target)]]);
    });
  }

  power(vm: Vm, action: "start" | "stop" | "shutdown" | "reboot"): string {
    if (action === "start" && vm.status === "running") throw new HttpError(500, `VM ${vm.vmid} already running`);
    if (action === "reboot" && vm.status !== "running") throw new HttpError(500, `VM ${vm.vmid} not running`);
    return this.task(vm.node, `qm${action}`, String(vm.vmid), () => {
      if (action === "stop" || action === "shutdown") {
        vm.status = "stopped";
        return;
      }
      // a fresh QEMU process takes every pending change
      this.applyPending(vm);
      vm.status = "running";
    });
  }

  migrate(vm: Vm, params: Record<string, string>): string {
    const target = params.target;
    if (!this.cfg.nodes.some((n) => n.name === target))
      throw new HttpError(400, "Parameter verification failed.", { target: `no such cluster node '${target}'` });
    if (target === vm.node) throw new HttpError(400, "Parameter verification failed.", { target: "target is local node." });
    if (vm.status === "running" && params.online !== "1") throw new HttpError(500, "can't migrate running VM without --online");
    const conf = this.configGet(vm, true);
    const localDevices = Object.keys(conf).filter((k) => /^(hostpci|usb)\d+$/.test(k) && !/spice/.test(String(conf[k])));
    if (localDevices.length > 0) throw new HttpError(500, `can't migrate VM which uses local devices: ${localDevices.join(", ")}`);
    return this.task(vm.node, "qmigrate", String(vm.vmid), (log) => {
      const moves: { volid: string; from: string }[] = [];
      for (const [k, v] of Object.entries(conf)) {
        if (!DRIVE.test(k) && !/^unused\d+$/.test(k)) continue;
        const { first } = parseProps(String(v), "file");
        if (first === "cdrom") throw new Error("Problem found while scanning volumes - can't migrate local cdrom drive");
        const vol = this.driveVolume(String(v));
        if (!vol) continue;
        const sid = vol.split(":")[0];
        const s = this.node(vm.node).storages.find((x) => x.id === sid)!;
        if (!this.node(target).storages.some((x) => x.id === sid)) throw new Error(`storage '${sid}' is not available on node '${target}'`);
        if (s.shared) continue;
        if (params["with-local-disks"] !== "1") throw new Error(`can't migrate local disk '${vol}': use --with-local-disks`);
        moves.push({ volid: vol, from: vm.node });
      }
      for (const { volid } of moves) {
        const v = this.findVolume(vm.node, volid)!;
        this.removeVolume(vm.node, volid);
        this.store(target, volid.split(":")[0]).push(v);
        log.push(`migrated ${volid} to ${target}`);
      }
      vm.node = target;
      log.push(`migration finished successfully`);
    });
  }

  deleteVm(vm: Vm): string {
    if (vm.status === "running") throw new HttpError(500, `VM ${vm.vmid} is running - destroy failed`);
    return this.task(vm.node, "qmdestroy", String(vm.vmid), () => {
      for (const [k, list] of this.volumes) {
        if (!k.startsWith(`${vm.node}/`) && !k.startsWith("*/")) continue;
        this.volumes.set(
          k,
          list.filter((v) => v.vmid !== vm.vmid),
        );
      }
      this.vms.delete(vm.vmid);
    });
  }

  async downloadUrl(node: string, sid: string, params: Record<string, string>): Promise<string> {
    const s = this.storage(node, sid);
    const content = params.content;
    if (!s.content.includes(content)) throw new HttpError(500, `storage '${sid}' is not configured for content-type '${content}'`);
    const volid = `${sid}:${content}/${params.filename}`;
    if (this.findVolume(node, volid))
      throw new HttpError(500, `refusing to override existing file '/var/lib/vz/${content}/${params.filename}'`);
    let bytes: Buffer | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(params.url);
      if (!res.ok) error = `download failed: ${res.status} ${res.statusText}`;
      else bytes = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      error = `download failed: ${(e as Error).message}`;
    }
    return this.task(node, "download", sid, (log) => {
      log.push(`downloading ${params.url} to /var/lib/vz/${content}/${params.filename}`);
      if (error) throw new Error(error);
      this.store(node, sid).push({ volid, content, format: params.filename.split(".").pop() ?? "raw", size: bytes!.length });
      log.push(`download of '${params.url}' to '/var/lib/vz/${content}/${params.filename}' finished`);
    });
  }

  // ---------- HTTP ----------
  async route(method: string, path: string, params: Record<string, string>): Promise<unknown> {
    let m: RegExpExecArray | null;
    const vmRoute = /^\/nodes\/([^/]+)\/qemu\/(\d+)(\/.*)?$/.exec(path);
    if (method === "GET" && path === "/version")
      return {
        version: this.cfg.version ?? "8.4.1",
        release: (this.cfg.version ?? "8.4.1").split(".").slice(0, 2).join("."),
        repoid: "simulated",
      };
    if (method === "GET" && path === "/cluster/nextid") {
      if (params.vmid) {
        if (this.vms.has(Number(params.vmid)))
          throw new HttpError(400, "Parameter verification failed.", { vmid: `VM ${params.vmid} already exists` });
        return params.vmid;
      }
      for (let id = 100; ; id++) if (!this.vms.has(id)) return String(id);
    }
    if (method === "GET" && path === "/cluster/resources") {
      const vms = [...this.vms.values()].map((v) => ({
        id: `qemu/${v.vmid}`,
        type: "qemu",
        vmid: v.vmid,
        node: v.node,
        name: String(v.conf.name ?? ""),
        status: v.status,
        template: 0,
        maxmem: 0,
        maxcpu: Number(v.conf.cores ?? 1),
      }));
      const nodes = this.cfg.nodes.map((n) => ({ id: `node/${n.name}`, type: "node", node: n.name, status: "online" }));
      return params.type === "vm" ? vms : params.type === "node" ? nodes : [...nodes, ...vms];
    }
    // no resource pools (the provider lists them to find a VM's pool)
    if (method === "GET" && path === "/pools") return [];
    if (method === "GET" && (m = /^\/pools\/([^/]+)$/.exec(path))) throw new HttpError(500, `pool '${m[1]}' does not exist`);
    if (method === "GET" && path === "/nodes") return this.cfg.nodes.map((n) => ({ node: n.name, status: "online", type: "node" }));
    if (method === "GET" && (m = /^\/cluster\/ha\/resources\/(.+)$/.exec(path))) throw new HttpError(500, `no such resource '${m[1]}'`);
    if ((m = /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/(status|log)$/.exec(path)) && method === "GET") {
      const t = this.tasks.get(m[2]);
      if (!t) throw new HttpError(400, `no such task`);
      if (m[3] === "status")
        return { status: t.status, exitstatus: t.exitstatus, upid: t.upid, node: t.node, type: t.type, id: t.id, pid: 1, starttime: 0 };
      return t.log.map((l, i) => ({ n: i + 1, t: l }));
    }
    if ((m = /^\/nodes\/([^/]+)\/tasks\/([^/]+)$/.exec(path)) && method === "DELETE") {
      this.tasks.delete(m[2]);
      return null;
    }
    if ((m = /^\/nodes\/([^/]+)\/storage$/.exec(path)) && method === "GET") {
      return this.node(m[1])
        .storages.filter((s) => !params.content || s.content.includes(params.content))
        .map((s) => ({
          storage: s.id,
          type: s.type,
          content: s.content.join(","),
          shared: s.shared ? 1 : 0,
          active: 1,
          enabled: 1,
          total: 1e12,
          used: 0,
          avail: 1e12,
        }));
    }
    if ((m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/status$/.exec(path)) && method === "GET") {
      const s = this.storage(m[1], m[2]);
      return {
        type: s.type,
        content: s.content.join(","),
        shared: s.shared ? 1 : 0,
        active: 1,
        enabled: 1,
        total: 1e12,
        used: 0,
        avail: 1e12,
      };
    }
    if ((m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content$/.exec(path)) && method === "GET") {
      return this.store(m[1], m[2])
        .filter((v) => !params.content || v.content === params.content)
        .map((v) => ({ volid: v.volid, content: v.content, format: v.format, size: v.size, ...(v.vmid ? { vmid: v.vmid } : {}) }));
    }
    if ((m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content\/(.+)$/.exec(path))) {
      const volid = m[3].includes(":") ? m[3] : `${m[2]}:${m[3]}`;
      const v = this.findVolume(m[1], volid);
      if (method === "GET") {
        if (!v) throw new HttpError(500, `volume '${volid}' does not exist`);
        return { path: `/dev/pve/${volid.split(":")[1]}`, format: v.format, size: v.size, used: v.size };
      }
      if (method === "DELETE") {
        if (!v) throw new HttpError(500, `volume '${volid}' does not exist`);
        return this.task(m[1], "imgdel", volid, () => {
          this.removeVolume(m![1], volid);
        });
      }
    }
    if ((m = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/download-url$/.exec(path)) && method === "POST")
      return this.downloadUrl(m[1], m[2], params);
    if ((m = /^\/nodes\/([^/]+)\/query-url-metadata$/.exec(path)) && method === "GET") {
      // pve-manager's query_url_metadata: a failed HEAD is a parameter error on `url`
      const res = await fetch(params.url, { method: "HEAD" }).catch((e) => {
        throw new HttpError(400, "Parameter verification failed.", { url: `invalid server response: '${(e as Error).message}'` });
      });
      if (!res.ok)
        throw new HttpError(400, "Parameter verification failed.", { url: `invalid server response: '${res.status} ${res.statusText}'` });
      return {
        filename: new URL(params.url).pathname.split("/").pop(),
        size: Number(res.headers.get("content-length") ?? 0),
        mimetype: res.headers.get("content-type") ?? "application/octet-stream",
      };
    }
    if ((m = /^\/nodes\/([^/]+)\/qemu$/.exec(path))) {
      if (method === "POST") return this.createVm(m[1], params);
      if (method === "GET")
        return [...this.vms.values()].filter((v) => v.node === m![1]).map((v) => ({ vmid: v.vmid, name: v.conf.name, status: v.status }));
    }
    if (vmRoute) {
      const [, node, id, sub = ""] = vmRoute;
      const vm = this.vm(node, Number(id));
      if (sub === "/config" && method === "GET") return this.configGet(vm, params.current === "1");
      if (sub === "/pending" && method === "GET") return this.pendingList(vm);
      if (sub === "/config" && method === "PUT") {
        this.updateConfig(vm, params, []);
        return null;
      }
      if (sub === "/config" && method === "POST") return this.task(node, "qmconfig", id, (log) => this.updateConfig(vm, params, log));
      if (sub === "/resize" && method === "PUT") return this.resize(vm, params.disk, params.size);
      if (sub === "/status/current" && method === "GET") {
        return {
          vmid: vm.vmid,
          name: vm.conf.name,
          status: vm.status,
          qmpstatus: vm.status,
          uptime: vm.status === "running" ? 1 : 0,
          cpus: Number(vm.conf.cores ?? 1),
          maxmem: Number(vm.conf.memory ?? 512) * 1024 * 1024,
          ha: { managed: 0 },
          ...(vm.conf.lock ? { lock: vm.conf.lock } : {}),
        };
      }
      if ((m = /^\/status\/(start|stop|shutdown|reboot)$/.exec(sub)) && method === "POST") return this.power(vm, m[1] as "start");
      if (sub === "/migrate" && method === "POST") return this.migrate(vm, params);
      if (sub === "/migrate" && method === "GET")
        return {
          running: vm.status === "running" ? 1 : 0,
          allowed_nodes: this.cfg.nodes.map((n) => n.name).filter((n) => n !== vm.node),
          local_disks: [],
          local_resources: [],
        };
      if (sub.startsWith("/agent/")) throw new HttpError(500, `QEMU guest agent is not running`);
      if (sub === "" && method === "DELETE") return this.deleteVm(vm);
    }
    throw new HttpError(501, `Method '${method} ${path}' not implemented`);
  }

  /** answers one request the way pveproxy does; journals it with the answer's status */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? "/", "https://pve");
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (body) {
      const ct = String(req.headers["content-type"] ?? "");
      Object.assign(params, ct.includes("json") ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body)));
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/api2\/json/, "").replace(/\/+$/, ""));
    const method = req.method ?? "GET";
    const answer = (status: number, reason: string, data: unknown, extra: Record<string, unknown> = {}) => {
      this.journal({
        method,
        path,
        params,
        status,
        ...(status >= 300 ? { error: reason } : typeof data === "string" && data.startsWith("UPID:") ? { upid: data } : {}),
      });
      res.writeHead(status, reason.replace(/[^\t\x20-\x7e]/g, " "), { "Content-Type": "application/json;charset=UTF-8" });
      res.end(JSON.stringify({ data, ...extra }));
    };
    if (req.headers.authorization !== `PVEAPIToken=${this.cfg.token}`) return answer(401, "No ticket", null);
    try {
      answer(200, "OK", await this.route(method, path, params));
    } catch (e) {
      if (e instanceof HttpError) answer(e.code, e.message, null, e.errors ? { errors: e.errors } : {});
      else answer(500, (e as Error).message, null);
    }
  }

  listen(opts: { host: string; port: number; tls: { key: string; cert: string } }): Promise<https.Server> {
    const server = https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
      void this.handle(req, res);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => resolve(server));
    });
  }
}

/** The Image Factory stand-in: serves `/image/<schematic>/<version>/<file>` with a few bytes of the file's name; journals every request. */
export function listenImageFactory(opts: { host: string; port: number; journal: string; missing?: () => string[] }): Promise<http.Server> {
  const fd = fs.openSync(opts.journal, "a");
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://factory").pathname;
    const m = /^\/image\/([0-9a-f]{64})\/(v[\w.-]+)\/([\w.-]+)$/.exec(path);
    const refused = m && (opts.missing?.() ?? []).includes(m[2]);
    const status = m && !refused ? 200 : 404;
    fs.writeSync(fd, `${JSON.stringify({ t: Date.now(), server: "image-factory", method: req.method, path, status })}\n`);
    if (status !== 200) {
      res.writeHead(404);
      res.end("not found");
      return;
    }
    // a few MiB of "image": the simulated import takes its length as the disk's size
    const body = Buffer.alloc(4 * 1024 * 1024, `${m![2]} ${m![3]} `);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}
