// The storage plan: which disk is for what, and the article's storage rules (core/rules/storage-rules.ts)
// as the program applies them to a stack file, with the levels its policy config sets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan, planFacts } from "../../core/plan/build-plan";
import { storagePlan } from "../../core/plan/storage-plan";
import { selfHealingCapacityGB, storageAdviceRule, storagePlanRule, usableCapacityGB } from "../../core/rules/storage-rules";
import { DEFAULT_THRESHOLDS, mergeThresholds } from "../../core/rules/thresholds";
import { thresholdsFromPolicyConfig } from "../../core/rules/policy-config";
import { captureProgram } from "../helpers/capture";
import { problemsOf, stackInputs, stackPlan } from "../helpers/stacks";

type Config = Record<string, any>;
const T = DEFAULT_THRESHOLDS.storage;
const node = (c: Config, name: string) => c.nodes.find((n: { name: string }) => n.name === name);
/** buildPlan of the homelab stack edited by `edit`, with its policy config changed by `policy`. */
function planned(edit: (c: Config) => void, policy: (p: Config) => void = () => {}) {
  const inputs = stackInputs("homelab");
  edit(inputs.config as Config);
  const policyConfig = structuredClone(inputs.policyConfig ?? {}) as Config;
  policy(policyConfig);
  return buildPlan({ ...inputs, policyConfig });
}
const findingsOf = (edit: (c: Config) => void) => {
  const plan = stackPlan("homelab", edit, {
    policyConfig: { ...stackInputs("homelab").policyConfig, "storage-plan": "disabled", "recommended-sizing": "disabled" },
  });
  return { plan: storagePlanRule(planFacts(plan), T), advice: storageAdviceRule(planFacts(plan), T) };
};

describe("usable Ceph capacity", () => {
  it("is raw / replicas while no failure domain holds more than its share", () => {
    assert.equal(usableCapacityGB([500, 500, 250, 250], 3), 500);
    assert.equal(usableCapacityGB([300, 300, 300], 3), 300);
  });
  it("is capped when one domain holds more than 1/replicas of the raw space", () => {
    assert.ok(Math.abs(usableCapacityGB([750, 500, 250], 3) - 250) < 1e-6);
    assert.ok(Math.abs(usableCapacityGB([1000, 100, 100, 100], 3) - 150) < 1e-6);
  });
  it("is zero with fewer domains than copies", () => {
    assert.equal(usableCapacityGB([1000, 1000], 3), 0);
    assert.equal(usableCapacityGB([], 3), 0);
  });
  it("after losing the worst domain: what self-healing can restore", () => {
    assert.ok(Math.abs(selfHealingCapacityGB([500, 500, 250, 250], 3) - 250) < 1e-6);
    assert.ok(Math.abs(selfHealingCapacityGB([375, 375, 375, 375], 3) - 375) < 1e-6);
  });
});

describe("the reference plan's storage", () => {
  const plan = stackPlan("homelab");
  const s = storagePlan(plan, 3);
  it("lists every disk with slot, datastore, size and purpose", () => {
    assert.equal(s.disks.length, 11);
    assert.deepEqual(
      s.disks.filter((d) => d.node === "talos-wrk-01").map((d) => [d.slot, d.datastore, d.sizeGB, d.purpose]),
      [
        ["scsi0", "local-lvm", 100, "os"],
        ["scsi1", "local-lvm", 500, "ceph-osd"],
      ],
    );
    assert.deepEqual(
      s.disks.filter((d) => d.node === "talos-cp-02").map((d) => [d.host, d.slot, d.sizeGB, d.purpose]),
      [["pve2", "scsi0", 50, "os"]],
    );
  });
  it("totals per Proxmox host and datastore", () => {
    assert.deepEqual(s.datastores, [
      { host: "pve1", datastore: "local-lvm", osGB: 250, osdGB: 750, totalGB: 1000 },
      { host: "pve2", datastore: "local-lvm", osGB: 150, osdGB: 500, totalGB: 650 },
      { host: "pve3", datastore: "local-lvm", osGB: 150, osdGB: 250, totalGB: 400 },
    ]);
    assert.deepEqual(s.total, { osGB: 550, osdGB: 1500, totalGB: 2050 });
  });
  it("gives Ceph's usable capacity after 3x replication, per node and per Proxmox host", () => {
    const c = s.ceph!;
    assert.deepEqual(
      [c.osds, c.osdNodes, c.osdHosts, c.rawGB],
      [4, ["talos-wrk-01", "talos-wrk-02", "talos-wrk-03", "talos-wrk-04"], ["pve1", "pve2", "pve3"], 1500],
    );
    assert.deepEqual(c.byNode, { usableGB: 500, selfHealingGB: 250 });
    assert.equal(c.usableAfterMetadataGB, 450);
    // pve1 carries 750 GB of the 1500: with the host as failure domain only 250 GB hold 3 copies
    assert.deepEqual(c.byProxmoxHost, { usableGB: 250, selfHealingGB: undefined });
    assert.deepEqual(c.crowdedHosts, [{ host: "pve1", nodes: ["talos-wrk-01", "talos-wrk-04"] }]);
  });
  it("has no Ceph section without data disks", () => {
    assert.equal(storagePlan(stackPlan("lab"), 3).ceph, undefined);
  });
  it("matches the VMs the program declares: OS disk scsi0 seeded from the image, data disks raw, all on the host's datastore", async () => {
    const vms = (await captureProgram(plan)).filter((r) => r.type === "proxmoxve:index/vmLegacy:VmLegacy");
    for (const vm of vms) {
      const disks = s.disks.filter((d) => d.node === vm.props.name);
      assert.deepEqual(
        vm.props.disks.map((d: any) => [d.interface, d.datastoreId, d.size, d.importFrom !== undefined]),
        disks.map((d) => [d.slot, d.datastore, d.sizeGB, d.purpose === "os"]),
        vm.props.name,
      );
    }
  });
  it("passes storage-plan and gets one piece of advice: its OSD sizes differ", () => {
    const r = buildPlan(stackInputs("homelab"));
    assert.ok(r.ok);
    assert.deepEqual(
      r.findings.filter((f) => f.rule === "storage-plan"),
      [],
    );
    const advice = r.findings.filter((f) => f.rule === "storage-advice");
    assert.equal(advice.length, 1, JSON.stringify(advice));
    assert.equal(advice[0].severity, "advisory");
    assert.equal(advice[0].key, "homelab:nodes");
    assert.match(
      advice[0].message,
      /OSD sizes differ \(talos-wrk-01 500, talos-wrk-02 500, talos-wrk-03 250, talos-wrk-04 250 GB\).*2x the data and I\/O.*restore 3 copies of at most 250 GB \(375 GB with equal disks/,
    );
    assert.match(advice[0].fix, /375 each/);
  });
});

describe("storage-plan refuses, naming the key and the fix", () => {
  it("data disks on fewer than 3 nodes", () => {
    const ps = problemsOf((c) => {
      delete node(c, "talos-wrk-03").dataDisksGB;
      delete node(c, "talos-wrk-04").dataDisksGB;
    });
    const p = ps.find((x) => x.key === "homelab:nodes" && /Ceph data disks on 2 node/.test(x.message));
    assert.ok(p, JSON.stringify(ps));
    assert.match(p!.message, /\(nodes\[3\] \(talos-wrk-01\), nodes\[4\] \(talos-wrk-02\)\): 3 replicas need OSDs on at least 3 nodes/);
    assert.match(
      p!.fix,
      /give 1 more node\(s\) `dataDisksGB` \(e\.g\. nodes\[5\] \(talos-wrk-03\)\), each on a Proxmox host of its own, or remove every `dataDisksGB`/,
    );
  });
  it("a single OSD node: I/O stops", () => {
    const ps = problemsOf((c) => {
      for (const n of ["talos-wrk-02", "talos-wrk-03", "talos-wrk-04"]) delete node(c, n).dataDisksGB;
    });
    assert.ok(
      ps.some((p) => /on 1 node\(s\).*I\/O stops/.test(p.message)),
      JSON.stringify(ps),
    );
  });
  it("OSD nodes on fewer than 3 Proxmox hosts, naming the node to move and where", () => {
    const ps = problemsOf((c) => {
      node(c, "talos-wrk-03").host = "pve1";
    });
    const hostProblems = ps.filter((p) => /OSD nodes sit on/.test(p.message));
    assert.deepEqual(
      hostProblems.map((p) => [p.key, p.node]),
      [["homelab:nodes[5].host", "talos-wrk-03"]],
    );
    assert.match(
      hostProblems[0].message,
      /the 4 OSD nodes sit on 2 Proxmox host\(s\) \(pve1: talos-wrk-01, talos-wrk-03, talos-wrk-04; pve2: talos-wrk-02\)/,
    );
    assert.match(hostProblems[0].fix, /move nodes\[5\] \(talos-wrk-03\) to pve3 \(`host: pve3`\)/);
  });
  it("three OSD VMs on one physical host: every node to move, and a host to declare when none is free", () => {
    const ps = problemsOf(
      (c) => {
        c.proxmox.hosts = [c.proxmox.hosts[0]];
        for (const n of c.nodes) n.host = "pve1";
        c.nodes = c.nodes.filter((n: { name: string }) => !["talos-cp-02", "talos-cp-03"].includes(n.name));
      },
      "homelab",
      { policyConfig: { ...stackInputs("homelab").policyConfig, "odd-control-plane-count": { allowSingleControlPlane: true } } },
    );
    const moves = ps.filter((p) => /OSD nodes sit on 1 Proxmox host/.test(p.message));
    assert.deepEqual(
      moves.map((p) => p.key),
      ["homelab:nodes[2].host", "homelab:nodes[3].host"],
      JSON.stringify(ps),
    );
    for (const p of moves) assert.match(p.fix, /declare another Proxmox host under `proxmox\.hosts`/);
  });
  it("a data disk below ceph-volume's 5 GB floor", () => {
    const ps = problemsOf((c) => {
      node(c, "talos-wrk-02").dataDisksGB = [500, 4];
    });
    const p = ps.find((x) => x.key === "homelab:nodes[4].dataDisksGB[1]");
    assert.ok(p, JSON.stringify(ps));
    assert.match(p!.message, /4 GB data disk: ceph-volume rejects devices under 5 GB/);
    assert.equal(p!.node, "talos-wrk-02");
  });
  it("reports every storage problem at once", () => {
    const ps = problemsOf((c) => {
      node(c, "talos-wrk-01").dataDisksGB = [3];
      for (const n of ["talos-wrk-03", "talos-wrk-04"]) delete node(c, n).dataDisksGB;
    });
    assert.ok(ps.some((p) => p.key === "homelab:nodes[3].dataDisksGB[0]"));
    assert.ok(ps.some((p) => p.key === "homelab:nodes" && /on 2 node/.test(p.message)));
  });
  it("nothing to judge without data disks", () => {
    const r = planned((c) => {
      for (const n of c.nodes) delete n.dataDisksGB;
    });
    assert.ok(r.ok);
    assert.deepEqual(
      r.findings.filter((f) => f.rule.startsWith("storage-")),
      [],
    );
  });
});

describe("levels and figures come from the policy config", () => {
  const twoOsdNodes = (c: Config) => {
    delete node(c, "talos-wrk-03").dataDisksGB;
    delete node(c, "talos-wrk-04").dataDisksGB;
  };
  it("storage-plan levelled advisory: the plan proceeds with the finding as advice", () => {
    const r = planned(twoOsdNodes, (p) => {
      p["storage-plan"] = { ...p["storage-plan"], enforcementLevel: "advisory" };
    });
    assert.ok(r.ok);
    assert.ok(r.findings.some((f) => f.rule === "storage-plan" && f.severity === "advisory" && /on 2 node/.test(f.message)));
  });
  it("disabled: no finding at all", () => {
    const r = planned(twoOsdNodes, (p) => {
      p["storage-plan"] = "disabled";
    });
    assert.ok(r.ok);
    assert.deepEqual(
      r.findings.filter((f) => f.rule === "storage-plan"),
      [],
    );
  });
  it("replicas: 2 accepts two OSD nodes", () => {
    const r = planned(twoOsdNodes, (p) => {
      p["storage-plan"] = { enforcementLevel: "mandatory", replicas: 2 };
    });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  });
  it("storage-advice levelled mandatory refuses what it would advise", () => {
    const r = planned(
      () => {},
      (p) => {
        p["storage-advice"] = { ...p["storage-advice"], enforcementLevel: "mandatory" };
      },
    );
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.problems.some((p) => p.key === "homelab:nodes" && /OSD sizes differ/.test(p.message)));
  });
  it("thresholds are read from the file, the rest keep their defaults", () => {
    const t = thresholdsFromPolicyConfig({ "storage-advice": { recommendedOsdGB: 200 }, "storage-plan": { replicas: 2 } }).storage;
    assert.deepEqual(t, { replicas: 2, recommendedOsdGB: 200, osDiskGB: 50, workerOsDiskWithDataGB: 30 });
    assert.deepEqual(mergeThresholds({}).storage, T);
  });
});

describe("storage-advice", () => {
  it("an OSD below 100 GB", () => {
    const { advice } = findingsOf((c) => {
      node(c, "talos-wrk-03").dataDisksGB = [60];
    });
    const f = advice.find((x) => x.key === "homelab:nodes[5].dataDisksGB[0]");
    assert.ok(f, JSON.stringify(advice));
    assert.match(f!.message, /60 GB OSD, below the 100 GB recommended: about 10% .* metadata/);
    assert.match(f!.fix, /write 100 or more/);
  });
  it("OS disks: 50 GB, or 30 GB on a worker with data disks", () => {
    const { advice } = findingsOf((c) => {
      node(c, "talos-cp-01").osDiskGB = 40;
      node(c, "talos-wrk-01").osDiskGB = 30;
      node(c, "talos-wrk-02").osDiskGB = 29;
      c.nodes.push({
        name: "talos-wrk-05",
        role: "worker",
        ip: "192.168.0.18",
        vmId: 1018,
        host: "pve2",
        cpu: 8,
        memoryGiB: 16,
        osDiskGB: 40,
      });
    });
    const os = advice.filter((f) => f.key.endsWith(".osDiskGB"));
    assert.deepEqual(
      os.map((f) => f.key),
      ["homelab:nodes[0].osDiskGB", "homelab:nodes[4].osDiskGB", "homelab:nodes[7].osDiskGB"],
    );
    assert.match(os[1].message, /29 GB OS disk, below the 30 GB recommended for a worker with separate data disks/);
    assert.match(os[2].message, /40 GB OS disk, below the 50 GB recommended/);
    assert.match(os[0].message, /etcd/);
    assert.match(os[0].fix, /SSD-backed storage: etcd/);
    assert.doesNotMatch(os[2].fix, /etcd/);
  });
  it("Ceph data disks on a control plane", () => {
    const { advice } = findingsOf((c) => {
      node(c, "talos-cp-02").dataDisksGB = [500];
    });
    const f = advice.find((x) => x.key === "homelab:nodes[1].dataDisksGB");
    assert.ok(f, JSON.stringify(advice));
    assert.match(f!.message, /control plane with Ceph data disks: Talos taints control planes NoSchedule/);
  });
  it("equal OSDs get no size advice", () => {
    const { advice, plan } = findingsOf((c) => {
      for (const n of c.nodes) if (n.dataDisksGB) n.dataDisksGB = [375];
    });
    assert.deepEqual([...plan, ...advice], []);
  });
});
