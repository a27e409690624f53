// Issue 17: edits a running cluster can take, and the ones it cannot. The stack file's new plan judged
// against the `deployed` output of the reference plan (core/deployed/changes.ts), through the same entry
// points the program (transitionProblems / transitionAdvisories) and the preflight use.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runningClusterChanges } from "../../core/deployed/changes";
import { type DeployedState, deployedStateOf, parseDeployedState } from "../../core/deployed/state";
import { transitionAdvisories, transitionProblems } from "../../core/deployed/transitions";
import { stackPlan } from "../helpers/stacks";

const homelab = stackPlan("homelab");
const running = deployedStateOf(homelab);
/** the new plan's problems and advisories against the running reference plan, as `key: message` */
function judge(mutate: (c: Record<string, any>) => void, deployed: DeployedState = running) {
  const plan = stackPlan("homelab", mutate);
  return {
    problems: transitionProblems(plan, deployed),
    advisories: transitionAdvisories(plan, deployed),
  };
}
const keys = (fs: { key: string }[]) => fs.map((f) => f.key);

describe("deployed records what the running-cluster checks need", () => {
  it("cluster name, networks, endpoint, bridge, hosts' datastores, and per node disks, datastore and MAC", () => {
    assert.deepEqual(running.cluster, {
      clusterName: "homelab",
      podCidr: "10.20.0.0/16",
      serviceCidr: "10.96.0.0/12",
      endpoint: { mode: "vip", host: "192.168.0.200", vip: "192.168.0.200" },
      bridge: "vmbr0",
      hosts: homelab.proxmox.hosts.map((h) => ({ name: h.name, datastore: h.datastore })),
      workerBatchSize: 1,
    });
    const wrk = running.nodes!.find((n) => n.name === "talos-wrk-01")!;
    assert.equal(wrk.osDiskGB, 100);
    assert.deepEqual(wrk.dataDisksGB, [500]);
    assert.equal(wrk.datastore, homelab.proxmox.hosts.find((h) => h.name === wrk.host)!.datastore);
  });
  it("round-trips through JSON; an output without the new fields reads back without them", () => {
    assert.deepEqual(parseDeployedState(JSON.parse(JSON.stringify(running))), running);
    const old = parseDeployedState({ talosVersion: "v1.11.5", nodes: [{ name: "a", role: "worker", ip: "10.0.0.1", vmId: 100, cpu: 2 }] })!;
    assert.equal(old.cluster, undefined);
    assert.deepEqual(old.nodes, [{ name: "a", role: "worker", ip: "10.0.0.1", vmId: 100, cpu: 2 }]);
  });
  it("an output of an earlier version (no cluster, no disks) gives no finding at all", () => {
    const plan = stackPlan("homelab", (c) => {
      c.clusterName = "other";
      c.nodes[3].osDiskGB = 200;
      c.nodes[3].cpu = 16;
    });
    const old = parseDeployedState({
      nodes: running.nodes!.map((n) => ({
        name: n.name,
        role: n.role,
        ip: n.ip,
        vmId: n.vmId,
        host: n.host,
        cpu: n.cpu,
        memoryGiB: n.memoryGiB,
      })),
      vmHardware: 2,
    });
    assert.deepEqual(runningClusterChanges(old, deployedStateOf(plan)), []);
  });
});

describe("changes a running cluster cannot take in place", () => {
  it("the unchanged plan, a new stack, added nodes and a worker removal pass", () => {
    assert.deepEqual(transitionProblems(homelab, running), []);
    assert.deepEqual(transitionAdvisories(homelab, running), []);
    assert.deepEqual(transitionAdvisories(homelab, undefined), []);
    const grown = judge((c) => {
      c.nodes.push({ name: "talos-wrk-05", role: "worker", ip: "192.168.0.18", vmId: 1018, host: "pve2", cpu: 8, memoryGiB: 16 });
    });
    assert.deepEqual(grown, { problems: [], advisories: [] });
  });

  it("a node's role: refused on its key, with what to do instead", () => {
    const { problems } = judge((c) => {
      c.nodes[3].role = "controlplane";
      c.nodes[4].role = "controlplane";
    });
    const role = problems.filter((p) => p.key.endsWith(".role"));
    assert.deepEqual(keys(role), ["homelab:nodes[3].role", "homelab:nodes[4].role"]);
    assert.match(role[0].message, /talos-wrk-01\) runs as a worker: Talos cannot change a node's machine type in place/);
    assert.match(role[0].fix, /keep `role: worker`; .*add a new node .*remove talos-wrk-01 in a later `pulumi up`/);
  });

  it("a control plane's address is refused; a worker's is not judged here", () => {
    const { problems } = judge((c) => {
      c.nodes[1].ip = "192.168.0.30";
      c.nodes[5].ip = "192.168.0.31";
    });
    assert.deepEqual(keys(problems), ["homelab:nodes[1].ip"]);
    assert.match(problems[0].message, /running control plane at 192\.168\.0\.12: its etcd member/);
    assert.match(problems[0].fix, /keep `ip: 192\.168\.0\.12`/);
  });

  it("pod network, service network and cluster name: every problem at once", () => {
    const { problems } = judge((c) => {
      c.network.podCidr = "10.30.0.0/16";
      c.network.serviceCidr = "10.100.0.0/16";
      c.clusterName = "lab2";
    });
    assert.deepEqual(keys(problems).sort(), ["homelab:clusterName", "homelab:network.podCidr", "homelab:network.serviceCidr"]);
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    assert.match(byKey["homelab:clusterName"].fix, /`clusterName: homelab`/);
    assert.match(byKey["homelab:clusterName"].message, /would delete every VM/);
    assert.match(byKey["homelab:network.podCidr"].fix, /`network\.podCidr: 10\.20\.0\.0\/16` back/);
  });

  it("the endpoint mode: advised (works, but every node's config and every kubeconfig change)", () => {
    const r = judge((c) => {
      c.endpoint = { mode: "kubeprism" };
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(keys(r.advisories), ["homelab:endpoint.mode"]);
    assert.match(r.advisories[0].message, /from vip 192\.168\.0\.200 to kubeprism 192\.168\.0\.11/);
  });

  it("an upgrade batch that takes every worker down: advised on upgrade.workerBatchSize", () => {
    const r = judge((c) => {
      c.upgrade = { workerBatchSize: 4 };
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(keys(r.advisories), ["homelab:upgrade.workerBatchSize"]);
    assert.match(r.advisories[0].message, /all 4 workers at once/);
    assert.match(r.advisories[0].fix, /workerBatchSize: 2/);
    assert.deepEqual(
      judge((c) => {
        c.upgrade = { workerBatchSize: 3 };
      }).advisories,
      [],
    );
    // a new stack is told as well: the advice is about the plan itself
    assert.deepEqual(
      keys(
        transitionAdvisories(
          stackPlan("homelab", (c) => {
            c.upgrade = { workerBatchSize: 4 };
          }),
          undefined,
        ),
      ),
      ["homelab:upgrade.workerBatchSize"],
    );
  });
});

describe("Proxmox edits the provider (bpg v0.111.1, rebootAfterUpdate off) would fail half-way", () => {
  // a copy of the reference plan whose hosts use different VM datastores
  const mixed = (c: Record<string, any>) => {
    c.proxmox.hosts[0].datastore = "local-lvm";
    c.proxmox.hosts[1].datastore = "local-zfs";
    c.proxmox.hosts[2].datastore = "local-lvm";
  };
  const mixedRunning = deployedStateOf(stackPlan("homelab", mixed));
  const cp = (i: number) => homelab.nodes[i];

  it("a host move onto a host whose datastore has another name is refused, naming both", () => {
    const from = cp(0).host; // pve1: local-lvm
    assert.equal(from, "pve1");
    const { problems } = judge((c) => {
      mixed(c);
      c.nodes[0].host = "pve2";
    }, mixedRunning);
    assert.deepEqual(keys(problems), ["homelab:nodes[0].host"]);
    assert.match(problems[0].message, /moves from pve1 to pve2: .*datastore named `local-lvm` on pve2, whose `datastore` is `local-zfs`/);
    assert.match(problems[0].fix, /set `datastore: local-lvm` for pve2 .*change its `vmId` too/);
  });

  it("a host move between hosts whose datastores have the same name passes; so does a move with a new vmId (a rebuild)", () => {
    assert.deepEqual(
      judge((c) => {
        mixed(c);
        c.nodes[0].host = "pve3";
      }, mixedRunning).problems,
      [],
    );
    assert.deepEqual(
      judge((c) => {
        mixed(c);
        c.nodes[0].host = "pve2";
        c.nodes[0].vmId = 1111;
      }, mixedRunning).problems,
      [],
    );
  });

  it("a host's datastore changed under running VMs is refused on that host's key", () => {
    const { problems } = judge((c) => {
      c.proxmox.hosts[1].datastore = "fast-ssd";
    });
    assert.deepEqual(keys(problems), ["homelab:proxmox.hosts[1].datastore"]);
    assert.match(
      problems[0].message,
      /talos-cp-02.*keep their disks on `local-lvm` of pve2: moving them to `fast-ssd` needs each VM stopped/,
    );
    assert.match(problems[0].fix, /write `datastore: local-lvm` back for pve2; .*qm disk move <vmid> <disk> fast-ssd --delete 1/);
  });

  it("a disk grown together with a CPU or memory change is refused: grow the disk in one run, change the CPU in the next", () => {
    const { problems } = judge((c) => {
      c.nodes[0].osDiskGB = 80;
      c.nodes[0].cpu = 6;
      c.nodes[3].dataDisksGB = [600];
      c.nodes[3].memoryGiB = 48;
    });
    assert.deepEqual(keys(problems), ["homelab:nodes[0].osDiskGB", "homelab:nodes[3].dataDisksGB[0]"]);
    assert.match(problems[0].message, /growing scsi0 together with cpu 4 -> 6 fails the VM update/);
    assert.match(
      problems[0].fix,
      /^grow the disk in one run, change the CPU or memory in the next: write `cpu: 4` back for this `pulumi up`$/,
    );
    assert.match(problems[1].message, /growing scsi1 together with memoryGiB 32 -> 48/);
  });

  it("a disk grown alone, or a CPU change alone, passes", () => {
    assert.deepEqual(
      judge((c) => {
        c.nodes[0].osDiskGB = 80;
        c.nodes[3].dataDisksGB = [600];
      }).problems,
      [],
    );
    assert.deepEqual(
      judge((c) => {
        c.nodes[0].cpu = 6;
        c.nodes[3].memoryGiB = 48;
      }).problems,
      [],
    );
  });

  it("a disk grown while the serial console of this version is still to be added is refused too", () => {
    const { problems } = judge(
      (c) => {
        c.nodes[3].osDiskGB = 120;
      },
      { ...running, vmHardware: 1 },
    );
    assert.match(problems[0].message, /together with the serial console this version adds/);
    assert.match(problems[0].fix, /grow the disk in the run after this version's first `pulumi up`/);
  });

  it("a smaller disk is refused (Proxmox cannot shrink)", () => {
    const { problems } = judge((c) => {
      c.nodes[3].dataDisksGB = [400];
    });
    assert.deepEqual(keys(problems), ["homelab:nodes[3].dataDisksGB[0]"]);
    assert.match(problems[0].message, /disk scsi1 is 500 GB; Proxmox cannot shrink a disk/);
  });

  it("a bridge change re-plugs every VM's NIC, three control planes included: refused", () => {
    const { problems } = judge((c) => {
      c.proxmox.bridge = "vmbr1";
    });
    assert.deepEqual(keys(problems), ["homelab:proxmox.bridge"]);
    assert.match(problems[0].message, /vmbr0 -> vmbr1 re-plugs the NIC of all 7 running VMs at once, 3 control planes included/);
    assert.match(problems[0].fix, /write `proxmox.bridge: vmbr0` back; move the VMs one at a time by hand/);
  });

  it("MACs: two control planes in one run refused; one control plane or a worker advised", () => {
    const macs = (c: Record<string, any>) => {
      c.nodes[0].mac = "BC:24:11:00:00:11";
      c.nodes[1].mac = "BC:24:11:00:00:12";
      c.nodes[3].mac = "BC:24:11:00:00:14";
    };
    const macRunning = deployedStateOf(stackPlan("homelab", macs));
    const two = judge((c) => {
      macs(c);
      c.nodes[0].mac = "BC:24:11:00:01:11";
      c.nodes[1].mac = "BC:24:11:00:01:12";
    }, macRunning);
    assert.deepEqual(keys(two.problems), ["homelab:nodes[0].mac", "homelab:nodes[1].mac"]);
    assert.match(two.problems[0].message, /2 control planes change theirs in this run/);
    const one = judge((c) => {
      macs(c);
      c.nodes[0].mac = "BC:24:11:00:01:11";
      c.nodes[3].mac = "BC:24:11:00:01:14";
    }, macRunning);
    assert.deepEqual(one.problems, []);
    assert.deepEqual(keys(one.advisories), ["homelab:nodes[0].mac", "homelab:nodes[3].mac"]);
    // the same MAC in other letter case is no change
    assert.deepEqual(
      judge((c) => {
        macs(c);
        c.nodes[0].mac = "bc:24:11:00:00:11";
      }, macRunning),
      { problems: [], advisories: [] },
    );
  });

  it("data disks: removing one node's is advised (Ceph OSD first), two nodes' in one run refused", () => {
    const one = judge((c) => {
      c.nodes[3].dataDisksGB = [];
    });
    assert.deepEqual(one.problems, []);
    assert.deepEqual(keys(one.advisories), ["homelab:nodes[3].dataDisksGB"]);
    assert.match(one.advisories[0].message, /hot-unplugs scsi1 from the running VM/);
    assert.match(one.advisories[0].fix, /ceph osd out/);
    // (a new worker with a data disk keeps OSDs on three hosts, so the plan is valid on its own)
    const two = judge((c) => {
      c.nodes[3].dataDisksGB = [];
      c.nodes[4].dataDisksGB = [];
      c.nodes.push({
        name: "talos-wrk-05",
        role: "worker",
        ip: "192.168.0.18",
        vmId: 1018,
        host: "pve2",
        cpu: 8,
        memoryGiB: 32,
        osDiskGB: 100,
        dataDisksGB: [500],
      });
    });
    assert.deepEqual(keys(two.problems), ["homelab:nodes[3].dataDisksGB", "homelab:nodes[4].dataDisksGB"]);
    assert.match(two.problems[0].message, /2 nodes lose disks in this run/);
  });

  it("a replaced VM (new vmId) is a new VM: none of its edits are judged as edits", () => {
    assert.deepEqual(
      judge((c) => {
        c.nodes[3].vmId = 1114;
        c.nodes[3].osDiskGB = 200;
        c.nodes[3].cpu = 16;
        c.nodes[3].dataDisksGB = [];
      }).problems,
      [],
    );
  });
});
