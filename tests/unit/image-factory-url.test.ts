// The stack config key image.factoryUrl: a self-hosted or air-gapped Image Factory instead of the public one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { imageDownloadArgs } from "../../core/plan/proxmox-vm";
import { installerImage, nodePatchDocuments } from "../../core/talos/patches";
import { problemsOf, stackPlan } from "../helpers/stacks";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
const d = { host: "pve1", datastore: "local" };

describe("image.factoryUrl", () => {
  it("defaults to the public factory, and the image URL is the one used before the key existed", () => {
    const plan = stackPlan("homelab");
    assert.equal(plan.image.factoryUrl, "https://factory.talos.dev");
    assert.equal(imageDownloadArgs(plan, d, SCHEMATIC).url, `https://factory.talos.dev/image/${SCHEMATIC}/v1.11.5/nocloud-amd64.qcow2`);
  });

  it("a self-hosted factory (port, path prefix, trailing slash) is where Proxmox downloads the image from", () => {
    const plan = stackPlan("homelab", (c) => {
      c.image = { ...c.image, factoryUrl: "http://factory.lan:8080/talos/" };
    });
    assert.equal(plan.image.factoryUrl, "http://factory.lan:8080/talos");
    assert.equal(imageDownloadArgs(plan, d, SCHEMATIC).url, `http://factory.lan:8080/talos/image/${SCHEMATIC}/v1.11.5/nocloud-amd64.qcow2`);
    // the file name does not depend on where the image came from
    assert.equal(imageDownloadArgs(plan, d, SCHEMATIC).fileName, imageDownloadArgs(stackPlan("homelab"), d, SCHEMATIC).fileName);
  });

  it("keeps the extensions' default when only the URL is set", () => {
    const plan = stackPlan("homelab", (c) => {
      c.image = { factoryUrl: "https://factory.example.internal" };
    });
    assert.deepEqual(plan.image.extensions, ["siderolabs/qemu-guest-agent"]);
    assert.equal(plan.image.guestAgent, true);
  });

  for (const [value, why] of [
    ["factory.talos.dev", /is not a URL/],
    ["ftp://factory.lan/", /scheme ftp/],
    ["https://user:pw@factory.lan", /credentials/],
    ["https://factory.lan/?x=1", /query or fragment/],
  ] as const) {
    it(`refuses ${value}, naming the key`, () => {
      const problems = problemsOf((c) => {
        c.image = { ...c.image, factoryUrl: value };
      });
      const p = problems.find((x) => x.key === "homelab:image.factoryUrl");
      assert.ok(p, JSON.stringify(problems));
      assert.match(p.message, why);
      assert.match(p.fix, /base URL/);
    });
  }

  it("refuses an empty value and an unknown key beside it (the schema is strict)", () => {
    assert.ok(
      problemsOf((c) => {
        c.image = { factoryUrl: "" };
      }).some((p) => p.key.startsWith("homelab:image")),
    );
    assert.ok(
      problemsOf((c) => {
        c.image = { factoryURL: "https://x" };
      }).some((p) => p.key.startsWith("homelab:image")),
    );
  });
});

describe("the installer image follows the factory (its registry is served on the same host)", () => {
  it("the default factory gives the image every running node already has", () => {
    const plan = stackPlan("homelab");
    assert.equal(installerImage("abc", "v1.12.1", plan.image.factoryUrl), "factory.talos.dev/nocloud-installer/abc:v1.12.1");
    const install = nodePatchDocuments(plan, plan.nodes[0], "abc").find((d) => (d as any).machine?.install) as any;
    // the version the reference stack file names (versions.talos), not the plan's copy of it
    assert.equal(install.machine.install.image, "factory.talos.dev/nocloud-installer/abc:v1.11.5");
  });
  it("a self-hosted factory (with a port) names its own registry in the configs", () => {
    const plan = stackPlan("homelab", (c) => {
      c.image = { ...c.image, factoryUrl: "https://factory.lan:8443" };
    });
    const install = nodePatchDocuments(plan, plan.nodes[0], "abc").find((d) => (d as any).machine?.install) as any;
    assert.equal(install.machine.install.image, "factory.lan:8443/nocloud-installer/abc:v1.11.5");
  });
});
