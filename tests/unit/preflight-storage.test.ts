// The preflight's storage section (text, JSON, diagram) and the capacity report's overheads, on copies
// of the reference stack file.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Resvg } from "@resvg/resvg-js";
import { stringify } from "yaml";
import { main } from "../../preflight/cli";
import { PROJECT_DIR, referenceStackConfig } from "../helpers/stacks";

type Config = Record<string, any>;
const temps: string[] = [];
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** A throwaway project holding the reference stack file edited by `edit`, and its policy configs. */
function projectWith(stack: string, edit: (config: Config) => void, policy: (p: Config) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-storage-"));
  temps.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.mkdirSync(path.join(dir, "policies", "config"), { recursive: true });
  const policyConfig = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "config", "homelab.json"), "utf8"));
  policy(policyConfig);
  fs.writeFileSync(path.join(dir, "policies", "config", `${stack}.json`), JSON.stringify(policyConfig));
  const config = referenceStackConfig("homelab");
  edit(config);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  return dir;
}
const node = (c: Config, name: string) => c["homelab:nodes"].find((n: { name: string }) => n.name === name);
const run = (stack: string, dir: string, ...flags: string[]) => main([stack, "--out", path.join(dir, "out"), ...flags], dir);

describe("preflight storage section", () => {
  it("shows every disk's slot, datastore, size and purpose, totals per host and datastore, and Ceph's usable capacity", () => {
    const dir = projectWith("homelab", () => undefined);
    const r = run("homelab", dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /Storage \(Ceph: 4 OSD\(s\) on 4 node\(s\), 3 Proxmox host\(s\), 3 replicas\):/);
    assert.match(r.stdout, /talos-cp-01\s+pve1\s+scsi0\s+local-lvm\s+50\s+OS \(Talos system disk, install disk \/dev\/sda\)/);
    assert.match(r.stdout, /talos-wrk-01\s+pve1\s+scsi1\s+local-lvm\s+500\s+Ceph OSD \(raw: Talos never formats or mounts it\)/);
    assert.match(r.stdout, /pve1\s+local-lvm\s+250\s+750\s+1000\n/);
    assert.match(r.stdout, /total\s+550\s+1500\s+2050/);
    assert.match(
      r.stdout,
      /Ceph raw 1500 GB; usable at 3 replicas, one copy per node: 500 GB \(about 450 GB after ~10% BlueStore metadata/,
    );
    assert.match(r.stdout, /keep data under 250 GB/);
    assert.match(r.stdout, /pve1 carries talos-wrk-01 and talos-wrk-04: .*\n.*usable is 250 GB/);
    // the one piece of storage advice the reference plan gets, and nothing mandatory
    assert.match(r.stdout, /Advisories:\n(?:.*\n)*\s+- \[storage-advice\] homelab:nodes: OSD sizes differ/);
    assert.doesNotMatch(r.stdout, /Problems \(must fix\)/);
  });

  it("carries the same in --json", () => {
    const dir = projectWith("homelab", () => undefined);
    const parsed = JSON.parse(run("homelab", dir, "--json").stdout);
    assert.equal(parsed.storage.disks.length, 11);
    assert.deepEqual(parsed.storage.ceph.byNode, { usableGB: 500, selfHealingGB: 250 });
    assert.equal(parsed.storage.ceph.rawGB, 1500);
    assert.deepEqual(parsed.storage.total, { osGB: 550, osdGB: 1500, totalGB: 2050 });
    assert.deepEqual(
      parsed.advisories.map((a: { rule: string }) => a.rule),
      ["storage-advice"],
    );
  });

  it("uses the replica count of the policy config", () => {
    const dir = projectWith(
      "two",
      () => undefined,
      (p) => {
        p["storage-plan"].replicas = 2;
      },
    );
    const parsed = JSON.parse(run("two", dir, "--json").stdout);
    assert.equal(parsed.storage.ceph.replicas, 2);
    assert.equal(parsed.storage.ceph.byNode.usableGB, 750);
  });

  it("draws the disks and the Ceph summary in the diagrams", () => {
    const dir = projectWith("homelab", () => undefined);
    run("homelab", dir);
    const mmd = fs.readFileSync(path.join(dir, "out", "homelab-network.mmd"), "utf8");
    assert.match(mmd, /talos_wrk_01\["talos-wrk-01<br\/>192\.168\.0\.14 · worker<br\/>OS 100 GB · OSD 500 GB"\]/);
    assert.match(mmd, /ceph\[\("Ceph: 4 OSDs on 4 nodes \/ 3 hosts, raw 1500 GB, usable 500 GB at 3 replicas"\)\]/);
    assert.match(mmd, /talos_wrk_04 -\.- ceph/);
    const svg = fs.readFileSync(path.join(dir, "out", "homelab-network.svg"), "utf8");
    assert.match(svg, />OS 50 GB</);
    assert.match(svg, />OS 100 GB · OSD 250 GB</);
    assert.match(svg, /Ceph: 4 OSDs/);
    const image = new Resvg(svg, { font: { loadSystemFonts: true } }).render();
    assert.ok(image.height >= 400);
  });

  it("refuses a plan whose OSDs share one Proxmox host, naming the key (exit 1)", () => {
    const dir = projectWith("onehost", (c) => {
      node(c, "talos-wrk-02").host = "pve1";
      node(c, "talos-wrk-03").host = "pve1";
    });
    const r = run("onehost", dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /homelab:nodes\[4\]\.host \(talos-wrk-02\): the 4 OSD nodes sit on 1 Proxmox host\(s\).*\n\s+fix: move nodes\[4\] \(talos-wrk-02\) to pve2/,
    );
    assert.match(r.stdout, /homelab:nodes\[5\]\.host \(talos-wrk-03\): .*\n\s+fix: move nodes\[5\] \(talos-wrk-03\) to pve3/);
  });

  it("refuses data disks on two nodes, and advises on a small OSD, in one run", () => {
    const dir = projectWith("two", (c) => {
      delete node(c, "talos-wrk-03").dataDisksGB;
      delete node(c, "talos-wrk-04").dataDisksGB;
      node(c, "talos-wrk-02").dataDisksGB = [80];
    });
    const r = run("two", dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /homelab:nodes: Ceph data disks on 2 node\(s\)/);
    assert.match(r.stdout, /\[storage-advice\] homelab:nodes\[4\]\.dataDisksGB\[0\]: nodes\[4\] \(talos-wrk-02\) has a 80 GB OSD/);
  });
});

describe("capacity overheads per node", () => {
  it("count the Kubernetes system share on workers too, and 4 GiB RAM and 1 vCPU per OSD", () => {
    const dir = projectWith("homelab", (c) => {
      node(c, "talos-wrk-02").dataDisksGB = [250, 250];
    });
    const parsed = JSON.parse(run("homelab", dir, "--json").stdout);
    const n = (name: string) => parsed.capacity.nodes.find((x: { name: string }) => x.name === name);
    assert.deepEqual(n("talos-cp-01").overhead, { os: 0.5, kubernetesSystem: 2, cilium: 0.75, cephOsd: 0 });
    assert.equal(n("talos-cp-01").overheadGiB, 3.25);
    assert.equal(n("talos-wrk-01").overheadGiB, 7.25);
    assert.equal(n("talos-wrk-01").workloadGiB, 24.75);
    assert.deepEqual([n("talos-wrk-01").overheadCpu, n("talos-wrk-01").workloadCpu], [1, 7]);
    assert.deepEqual(n("talos-wrk-02").overhead, { os: 0.5, kubernetesSystem: 2, cilium: 0.75, cephOsd: 8 });
    assert.equal(n("talos-wrk-02").overheadGiB, 11.25);
    assert.deepEqual([n("talos-wrk-02").overheadCpu, n("talos-wrk-02").workloadCpu], [2, 6]);
    const text = run("homelab", dir).stdout;
    assert.match(text, /talos-wrk-02\s+8\s+32\s+600\s+11\.25\s+20\.75\s+2\s+6/);
    assert.match(
      text,
      /overhead per node: Talos 0\.5 \+ Kubernetes system 2 \+ Cilium 0\.75 GiB on every node, plus 4 GiB RAM and 1 vCPU per Ceph OSD/,
    );
  });
  it("say when OSDs leave a node no vCPU", () => {
    const dir = projectWith(
      "homelab",
      (c) => {
        node(c, "talos-wrk-03").cpu = 2;
        node(c, "talos-wrk-03").dataDisksGB = [250, 250];
      },
      (p) => {
        p["recommended-sizing"] = "advisory";
      },
    );
    const parsed = JSON.parse(run("homelab", dir, "--json").stdout);
    assert.ok(
      parsed.notes.some((x: string) => /talos-wrk-03: its 2 Ceph OSD\(s\) take every vCPU it has/.test(x)),
      JSON.stringify(parsed.notes),
    );
  });
});
