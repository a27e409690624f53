// Datastore content types: the image datastore receives the Talos image as `import` (file-based
// storages only), the VM datastore holds disks (`images`). The stack file names storages, not their
// types: the installer's block storages are refused by name, everything else gets the requirement
// printed by the preflight.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { stringify } from "yaml";
import { main } from "../../preflight/cli";
import { formatProblems } from "../../core/plan/problems";
import { PROJECT_DIR, problemsOf, referenceStackConfig, stackPlan } from "../helpers/stacks";

const temps: string[] = [];
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** A throwaway project holding the homelab stack file edited by `edit`, and its policy config. */
function projectWith(edit: (c: Record<string, any>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datastores-"));
  temps.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.cpSync(path.join(PROJECT_DIR, "policies", "config"), path.join(dir, "policies", "config"), { recursive: true });
  const config = referenceStackConfig("homelab");
  edit(config);
  fs.writeFileSync(path.join(dir, "Pulumi.homelab.yaml"), stringify({ config }));
  return dir;
}

describe("datastore content types", () => {
  for (const [name, kind] of [
    ["local-lvm", "LVM-thin"],
    ["local-zfs", "ZFS pool"],
  ]) {
    it(`refuses the installer's ${kind} storage ${name} as imageDatastore, naming the key and a file-based storage`, () => {
      const problems = problemsOf((c) => {
        c.proxmox.hosts[1].imageDatastore = name;
      });
      const p = problems.find((x) => x.key === "homelab:proxmox.hosts[1].imageDatastore");
      assert.ok(p, formatProblems(problems));
      assert.match(p.message, new RegExp(`"${name}" is the installer's ${kind} storage \\(host pve2\\)`));
      assert.match(p.message, /never the `import` content type/);
      assert.match(p.fix, /file-based storage with the Import content type \(Dir, NFS, CIFS, CephFS, BTRFS\)/);
      assert.match(p.fix, /pvesm set local --content/);
      assert.equal(problems.filter((x) => /installer's/.test(x.message)).length, 1, "only the host that names it");
    });
  }

  it("accepts file-based and site-specific names: Proxmox itself judges a storage it knows the type of", () => {
    assert.equal(stackPlan("homelab").proxmox.hosts[0].imageDatastore, "local");
    const plan = stackPlan("homelab", (c) => {
      c.proxmox.hosts[0].imageDatastore = "nfs-images";
      c.proxmox.hosts[1].imageDatastore = "local-btrfs";
      c.proxmox.sharedDatastores = ["nfs-images"];
    });
    assert.deepEqual(
      plan.proxmox.hosts.map((h) => h.imageDatastore),
      ["nfs-images", "local-btrfs", "local"],
    );
  });

  it("the preflight says which content type each host's datastores need, and how to check them", () => {
    const dir = projectWith((c) => {
      c["homelab:proxmox"].hosts[2].datastore = "fast-zfs";
    });
    const r = main(["homelab", "--out", path.join(dir, "out")], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const [host, ds] of [
      ["pve1", "local-lvm"],
      ["pve2", "local-lvm"],
      ["pve3", "fast-zfs"],
    ]) {
      assert.match(
        r.stdout,
        new RegExp(
          `Proxmox host ${host}: datastore \`${ds}\` needs the \`images\` content type \\(VM disks, cloud-init drive\\); imageDatastore \`local\` needs \`import\`, which only a file-based storage \\(Dir, NFS, CIFS, CephFS, BTRFS\\) offers`,
        ),
      );
    }
    assert.match(r.stdout, /`pvesm status --content images` and `pvesm status --content import` list the storages that have it/);
  });

  it("the preflight refuses local-lvm as imageDatastore with exit 1, before any engine or Proxmox", () => {
    const dir = projectWith((c) => {
      c["homelab:proxmox"].hosts[0].imageDatastore = "local-lvm";
    });
    const r = main(["homelab", "--out", path.join(dir, "out")], dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /homelab:proxmox\.hosts\[0\]\.imageDatastore: "local-lvm" is the installer's LVM-thin storage \(host pve1\)/);
  });
});
