// The Proxmox user, roles, ACLs and token: derived from the plan (core/plan/proxmox-access.ts), printed
// by `npm run preflight -- <stack> --pveum`, and shown in the README for the reference stack. pveum
// cannot run here: its syntax and the privilege names were reviewed against pve-access-control; these
// tests keep the three in step and check what the derivation must cover.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROXMOX_ROLES, proxmoxAcls, pveumCommands } from "../../core/plan/proxmox-access";
import { main } from "../../preflight/cli";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";

const README = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
/** The first ```sh block of the README that creates the Proxmox user. */
function readmePveumBlock(): string[] {
  const block = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes("pveum user add"));
  assert.ok(block, "README has a pveum block");
  return block
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

describe("Proxmox access for a plan", () => {
  it("the README's commands are exactly what the program derives for the reference stack", () => {
    assert.deepEqual(readmePveumBlock(), pveumCommands(stackPlan("homelab")));
  });

  it("`npm run preflight -- <stack> --pveum` prints them for the stack", () => {
    const r = main(["homelab", "--pveum"], PROJECT_DIR);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), pveumCommands(stackPlan("homelab")));
  });

  it("grants each datastore and the bridge of the stack, Sys only on / without inheritance", () => {
    const plan = stackPlan("homelab", (c) => {
      c.proxmox.bridge = "vmbr1";
      c.proxmox.hosts[1].datastore = "ceph-vm";
      c.proxmox.hosts[2].imageDatastore = "nfs-images";
      c.proxmox.hosts[2].datastore = "nfs-images";
    });
    const acls = proxmoxAcls(plan);
    assert.deepEqual(
      acls.find((a) => a.path === "/"),
      { path: "/", roles: ["TalosHomelabSys"], propagate: false },
    );
    assert.deepEqual(acls.find((a) => a.path === "/storage/local-lvm")?.roles, ["TalosHomelabDisks"]);
    assert.deepEqual(acls.find((a) => a.path === "/storage/ceph-vm")?.roles, ["TalosHomelabDisks"]);
    assert.deepEqual(acls.find((a) => a.path === "/storage/local")?.roles, ["TalosHomelabImage"]);
    assert.deepEqual(
      acls.find((a) => a.path === "/storage/nfs-images")?.roles,
      ["TalosHomelabDisks", "TalosHomelabImage"],
      "one storage for both",
    );
    assert.ok(acls.some((a) => a.path === "/sdn/zones/localnetwork/vmbr1" && a.roles.includes("TalosHomelabNet")));
    assert.equal(acls.filter((a) => a.path.startsWith("/storage/")).length, 4);
  });

  it("holds the privileges the program's Proxmox calls check, and no guest-agent privilege", () => {
    const all = Object.values(PROXMOX_ROLES).flatMap((r) => r.privileges);
    for (const p of [
      "VM.Allocate",
      "VM.Migrate",
      "VM.Config.Cloudinit",
      "VM.Config.HWType",
      "Datastore.AllocateSpace",
      "Datastore.AllocateTemplate",
      "Datastore.Allocate",
      "SDN.Use",
      "Sys.Modify",
      "Sys.Audit",
    ]) {
      assert.ok(all.includes(p), p);
    }
    assert.deepEqual(
      all.filter((p) => /Monitor|GuestAgent|Permissions|User\.|Realm|Pool/.test(p)),
      [],
    );
    for (const r of Object.values(PROXMOX_ROLES)) for (const p of r.privileges) assert.ok(r.why[p], `${r.name}: why ${p}`);
  });

  it("with privilege separation the token gets every ACL the user gets", () => {
    const cmds = pveumCommands(stackPlan("homelab"), { privsep: true });
    assert.ok(cmds.includes("pveum user token add pulumi@pve homelab --privsep 1"));
    const forUser = cmds.filter((c) => c.includes("--users pulumi@pve")).map((c) => c.replace("--users pulumi@pve", "WHO"));
    const forToken = cmds
      .filter((c) => c.includes("--tokens 'pulumi@pve!homelab'"))
      .map((c) => c.replace("--tokens 'pulumi@pve!homelab'", "WHO"));
    assert.deepEqual(forToken, forUser);
    assert.equal(forUser.length, 5);
  });
});
