// Edits a running cluster can take, and the ones it cannot: the stack file's new state judged against
// what the stack last deployed (its `deployed` output). Pure, and written over two DeployedState values
// (before: the output; after: deployedStateOf(plan)), so the program and the preflight (from the plan)
// and the policy pack (from the ClusterChange component's inputs) run the very same rules.
//
// Mandatory findings are edits Talos, Kubernetes or the Proxmox provider (bpg v0.111.1 with
// `rebootAfterUpdate: false`) cannot carry out in place: they would fail half-way or break the cluster.
// Advisories are edits that work but hurt (a node drops off the network, every worker goes down).
import type { Finding } from "../rules/facts";
import { type DeployedNode, type DeployedState, VM_HARDWARE_REVISION } from "./state";

export const RUNNING_CLUSTER_RULE = "running-cluster-changes";

type Change = Omit<Finding, "rule">;
const mandatory = (key: string, message: string, fix: string): Change => ({ severity: "mandatory", key: `homelab:${key}`, message, fix });
const advisory = (key: string, message: string, fix: string): Change => ({ severity: "advisory", key: `homelab:${key}`, message, fix });

interface Pair {
  i: number;
  before: DeployedNode;
  after: DeployedNode;
}

/** Nodes in both states, by name, with their index in the new stack file (`nodes[i]`). */
function pairs(before: DeployedState, after: DeployedState): Pair[] {
  const old = new Map((before.nodes ?? []).map((n) => [n.name, n]));
  return (after.nodes ?? []).flatMap((n, i) => (old.has(n.name) ? [{ i, before: old.get(n.name)!, after: n }] : []));
}

/** Same VM before and after (a new vmId is a new VM: deleted, then created; nothing is edited). */
const sameVm = (p: Pair) => p.before.vmId === undefined || p.before.vmId === p.after.vmId;
const label = (p: Pair) => `nodes[${p.i}] (${p.after.name})`;
const diskKey = (p: Pair, slot: number) => (slot === 0 ? `nodes[${p.i}].osDiskGB` : `nodes[${p.i}].dataDisksGB[${slot - 1}]`);
const disksOf = (n: DeployedNode): number[] | undefined =>
  n.osDiskGB === undefined || n.dataDisksGB === undefined ? undefined : [n.osDiskGB, ...n.dataDisksGB];

/** Talos settings a running cluster cannot change in place. */
function clusterIdentity(before: DeployedState, after: DeployedState): Change[] {
  const out: Change[] = [];
  const b = before.cluster ?? {},
    a = after.cluster ?? {};
  if (b.clusterName && a.clusterName && b.clusterName !== a.clusterName) {
    out.push(
      mandatory(
        "clusterName",
        `the running cluster is named ${b.clusterName}: the name is in every node's machine config and certificates, and every Pulumi resource is named after it, so ${a.clusterName} would delete every VM and create a new cluster`,
        `write \`clusterName: ${b.clusterName}\` back; a new name is a new cluster (a new stack)`,
      ),
    );
  }
  for (const [k, what] of [
    ["podCidr", "pod network"],
    ["serviceCidr", "service network"],
  ] as const) {
    if (b[k] && a[k] && b[k] !== a[k]) {
      out.push(
        mandatory(
          `network.${k}`,
          `the running cluster's ${what} is ${b[k]}: Kubernetes and Cilium cannot renumber a running cluster (every ${k === "podCidr" ? "pod address and Cilium's IPAM" : "Service's cluster IP and the API server's own service address"} comes from it)`,
          `write \`network.${k}: ${b[k]}\` back; a new ${what} needs a new cluster`,
        ),
      );
    }
  }
  for (const p of pairs(before, after)) {
    if (p.before.role !== p.after.role) {
      out.push(
        mandatory(
          `nodes[${p.i}].role`,
          `${label(p)} runs as a ${p.before.role}: Talos cannot change a node's machine type in place`,
          `keep \`role: ${p.before.role}\`; to get a ${p.after.role}, add a new node (new name, ip and vmId) with \`role: ${p.after.role}\`, and remove ${p.after.name} in a later \`pulumi up\``,
        ),
      );
    } else if (p.before.role === "controlplane" && p.before.ip !== p.after.ip) {
      out.push(
        mandatory(
          `nodes[${p.i}].ip`,
          `${label(p)} is a running control plane at ${p.before.ip}: its etcd member and the API server certificate are bound to that address, so a new one cannot be set in place`,
          `keep \`ip: ${p.before.ip}\`; to move the control plane, add a new one at ${p.after.ip} (new name and vmId), then remove ${p.after.name} in a later \`pulumi up\``,
        ),
      );
    }
  }
  if (b.endpoint && a.endpoint && (b.endpoint.mode !== a.endpoint.mode || b.endpoint.host !== a.endpoint.host)) {
    const key = b.endpoint.mode !== a.endpoint.mode ? "endpoint.mode" : a.endpoint.vip !== undefined ? "endpoint.vip" : "endpoint";
    out.push(
      advisory(
        key,
        `the cluster endpoint moves from ${b.endpoint.mode} ${b.endpoint.host} to ${a.endpoint.mode} ${a.endpoint.host}: every node's machine config changes (control planes may stage it until a reboot), and kubeconfigs handed out so far still point at ${b.endpoint.host}`,
        "keep the old endpoint reachable until every node runs the new config (roll staged nodes one at a time), then hand out the new kubeconfig (`pulumi stack output kubeconfig --show-secrets`)",
      ),
    );
  }
  const workers = (after.nodes ?? []).filter((n) => n.role === "worker").length;
  if (a.workerBatchSize !== undefined && workers > 1 && a.workerBatchSize >= workers) {
    out.push(
      advisory(
        "upgrade.workerBatchSize",
        `a batch of ${a.workerBatchSize} upgrades all ${workers} workers at once: every workload is down during a Talos upgrade`,
        `write \`upgrade.workerBatchSize: ${Math.max(1, Math.floor(workers / 2))}\` or less, so some workers keep running`,
      ),
    );
  }
  return out;
}

/**
 * Proxmox VM edits, as bpg v0.111.1's VmLegacy update carries them out with `rebootAfterUpdate: false`
 * (proxmoxtf/resource/vm/vm.go):
 * - a host change migrates with `target`, `with-local-disks` and `online` only, no `targetstorage`
 *   (migrateNonHAVM, vm.go:7829-7833): every disk lands on a datastore of the same name on the new host;
 * - a disk whose datastore changes is moved with `move_disk`, which needs the VM stopped; with reboots
 *   off the provider refuses ("move disks between datastores", vm.go:7024-7031);
 * - a grown disk fails the update when any change of the same update needs a restart (CPU cores and
 *   memory: vm.go:6476 and 6810), after that change was already written ("resize disks",
 *   vm.go:7087-7093); a smaller disk is refused ("Cannot shrink", vm.go:7297-7303);
 * - NIC changes are hot-applied, "no reboot required" (vm.go:6821-6846); a disk missing from the plan
 *   is deleted from the running VM (vm.go:6506-6523), i.e. hot-unplugged.
 */
function proxmoxEdits(before: DeployedState, after: DeployedState): Change[] {
  const kept = pairs(before, after).filter(sameVm);
  return [...datastoreEdits(kept, after), ...diskEdits(kept, before), ...nicEdits(kept, before, after), ...dataDiskRemovals(kept)];
}

/** a datastore change: with a host move the disks cannot follow; in place it needs the VM stopped */
function datastoreEdits(kept: Pair[], after: DeployedState): Change[] {
  const out: Change[] = [];
  const hostsAfter = after.cluster?.hosts ?? [];
  const hostIndex = (name: string) => hostsAfter.findIndex((h) => h.name === name);
  const datastoreMoves = new Map<number, Pair[]>();
  for (const p of kept) {
    const from = p.before.datastore,
      to = p.after.datastore;
    if (!from || !to || from === to) continue;
    if (p.before.host && p.before.host !== p.after.host) {
      out.push(
        mandatory(
          `nodes[${p.i}].host`,
          `${label(p)} moves from ${p.before.host} to ${p.after.host}: the provider live-migrates without a target storage, so its disks must land on a datastore named \`${from}\` on ${p.after.host}, whose \`datastore\` is \`${to}\``,
          `set \`datastore: ${from}\` for ${p.after.host} (if it has that storage), or leave the node on ${p.before.host}; to move it onto \`${to}\`, rebuild it: change its \`vmId\` too (the VM is deleted and created on ${p.after.host}; one control plane per run)`,
        ),
      );
    } else {
      const j = hostIndex(p.after.host ?? "");
      datastoreMoves.set(j, [...(datastoreMoves.get(j) ?? []), p]);
    }
  }
  for (const [j, ps] of datastoreMoves) {
    const from = ps[0].before.datastore,
      to = ps[0].after.datastore,
      host = ps[0].after.host;
    out.push(
      mandatory(
        j >= 0 ? `proxmox.hosts[${j}].datastore` : "proxmox.hosts",
        `${ps.map(label).join(", ")} keep their disks on \`${from}\` of ${host}: moving them to \`${to}\` needs each VM stopped, which the program never does (rebootAfterUpdate is off), so the update fails`,
        `write \`datastore: ${from}\` back for ${host}; to move the disks, run \`qm disk move <vmid> <disk> ${to} --delete 1\` on ${host} one VM at a time (the next \`pulumi up\` then finds them on \`${to}\`), or rebuild the VMs one per run with new \`vmId\`s`,
      ),
    );
  }
  return out;
}

/** a disk shrunk, or grown together with a change that needs a restart */
function diskEdits(kept: Pair[], before: DeployedState): Change[] {
  const out: Change[] = [];
  for (const p of kept) {
    const b = disksOf(p.before),
      a = disksOf(p.after);
    if (!b || !a) continue;
    const grown: number[] = [];
    for (let s = 0; s < Math.min(a.length, b.length); s++) {
      if (a[s] < b[s]) {
        out.push(
          mandatory(diskKey(p, s), `${label(p)}: disk scsi${s} is ${b[s]} GB; Proxmox cannot shrink a disk`, `write ${b[s]} or more`),
        );
      } else if (a[s] > b[s]) grown.push(s);
    }
    const restart: { what: string; back?: string }[] = [];
    if (p.before.cpu !== undefined && p.before.cpu !== p.after.cpu)
      restart.push({ what: `cpu ${p.before.cpu} -> ${p.after.cpu}`, back: `cpu: ${p.before.cpu}` });
    if (p.before.memoryGiB !== undefined && p.before.memoryGiB !== p.after.memoryGiB)
      restart.push({ what: `memoryGiB ${p.before.memoryGiB} -> ${p.after.memoryGiB}`, back: `memoryGiB: ${p.before.memoryGiB}` });
    if ((before.vmHardware ?? 1) < VM_HARDWARE_REVISION) restart.push({ what: "the serial console this version adds" });
    if (grown.length > 0 && restart.length > 0) {
      const back = restart.filter((r) => r.back).map((r) => `\`${r.back}\``);
      out.push(
        mandatory(
          diskKey(p, grown[0]),
          `${label(p)}: growing ${grown.map((s) => `scsi${s}`).join(", ")} together with ${restart.map((r) => r.what).join(", ")} fails the VM update: the provider writes the change that needs a restart, then refuses to resize a disk while a restart is pending (rebootAfterUpdate is off)`,
          back.length > 0
            ? `grow the disk in one run, change the CPU or memory in the next: write ${back.join(" and ")} back for this \`pulumi up\``
            : "grow the disk in the run after this version's first `pulumi up` (which adds the serial console): keep the disk size as deployed for now",
        ),
      );
    }
  }
  return out;
}

/** a bridge or MAC change re-plugs running NICs; more than one control plane at once loses etcd quorum */
function nicEdits(kept: Pair[], before: DeployedState, after: DeployedState): Change[] {
  const out: Change[] = [];
  const bridgeBefore = before.cluster?.bridge,
    bridgeAfter = after.cluster?.bridge;
  const bridgeChanges = !!bridgeBefore && !!bridgeAfter && bridgeBefore !== bridgeAfter;
  const macChanged = kept.filter((p) =>
    p.after.mac !== undefined && p.before.mac !== undefined
      ? p.after.mac.toLowerCase() !== p.before.mac.toLowerCase()
      : p.after.mac !== undefined && p.before.mac === undefined && p.before.osDiskGB !== undefined,
  );
  const cps = kept.filter((p) => p.after.role === "controlplane");
  if (bridgeChanges) {
    const hit = kept.length;
    const text = `\`proxmox.bridge\` ${bridgeBefore} -> ${bridgeAfter} re-plugs the NIC of all ${hit} running VMs at once`;
    const fix = `write \`proxmox.bridge: ${bridgeBefore}\` back; move the VMs one at a time by hand (\`qm set <vmid> --net0 virtio=<mac>,bridge=${bridgeAfter}\`, wait for \`talosctl -n <ip> health\`), then set \`proxmox.bridge: ${bridgeAfter}\` (nothing is left to change)`;
    if (cps.length > 1)
      out.push(
        mandatory("proxmox.bridge", `${text}, ${cps.length} control planes included: etcd loses quorum while their links are down`, fix),
      );
    else if (hit > 0) out.push(advisory("proxmox.bridge", `${text}: each drops off the network while its NIC is re-plugged`, fix));
  }
  const macCps = macChanged.filter((p) => p.after.role === "controlplane");
  for (const p of macChanged) {
    const text = `${label(p)}: a new MAC re-plugs the running VM's NIC`;
    const fix = `change the MAC of one control plane per \`pulumi up\` and wait for \`talosctl -n ${p.after.ip} health\` before the next`;
    if (macCps.length > 1 && p.after.role === "controlplane") {
      out.push(
        mandatory(
          `nodes[${p.i}].mac`,
          `${text}, and ${macCps.length} control planes change theirs in this run: etcd loses quorum while their links are down`,
          fix,
        ),
      );
    } else {
      out.push(
        advisory(
          `nodes[${p.i}].mac`,
          `${text}: the node drops off the network until Talos brings the new interface up`,
          "change one node's MAC per run; reboot it (`qm reboot <vmid>`) if it does not come back",
        ),
      );
    }
  }
  return out;
}

/** a shorter data-disk list hot-unplugs the last disks (Ceph OSDs in the reference plan) */
function dataDiskRemovals(kept: Pair[]): Change[] {
  const out: Change[] = [];
  const removals = kept.filter(
    (p) => p.before.dataDisksGB && p.after.dataDisksGB && p.after.dataDisksGB.length < p.before.dataDisksGB.length,
  );
  for (const p of removals) {
    const gone = p.before.dataDisksGB!.slice(p.after.dataDisksGB!.length).map((_, k) => `scsi${p.after.dataDisksGB!.length + k + 1}`);
    const text = `${label(p)}: removing a \`dataDisksGB\` entry hot-unplugs ${gone.join(", ")} from the running VM (and deletes it)`;
    const fix =
      "take the disk out of use first (for a Ceph OSD: `ceph osd out <id>`, wait until every placement group is active+clean, then purge the OSD), and remove one node's disks per `pulumi up`";
    if (removals.length > 1)
      out.push(
        mandatory(
          `nodes[${p.i}].dataDisksGB`,
          `${text}, and ${removals.length} nodes lose disks in this run: Ceph may lose every copy of some data`,
          fix,
        ),
      );
    else out.push(advisory(`nodes[${p.i}].dataDisksGB`, text, fix));
  }
  return out;
}

/** Every finding about the change from `before` (the last `deployed` output) to `after` (deployedStateOf(plan)). */
export function runningClusterChanges(before: DeployedState | undefined, after: DeployedState): Finding[] {
  if (!before) return [];
  return [...clusterIdentity(before, after), ...proxmoxEdits(before, after)].map((c) => ({ rule: RUNNING_CLUSTER_RULE, ...c }));
}
