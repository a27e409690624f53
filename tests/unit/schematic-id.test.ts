// The locally computed Image Factory schematic ID against IDs the factory itself produced.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { schematic } from "../../core/talos/patches";
import { canonicalSchematicYaml, checkFactorySchematicId, schematicId } from "../../core/talos/schematic-id";
import { stackPlan } from "../helpers/stacks";

const withExtensions = (officialExtensions: string[]) => ({ customization: { systemExtensions: { officialExtensions } } });

describe("Image Factory schematic ID", () => {
  // Known IDs: the empty schematic is the factory's own test vector (pkg/schematic/schematic_test.go);
  // qemu-guest-agent alone is the ID factory.talos.dev hands out for that extension.
  it("matches the factory for the empty schematic", () => {
    assert.equal(schematicId(withExtensions([])), "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba");
  });
  it("matches the factory for siderolabs/qemu-guest-agent", () => {
    assert.equal(
      schematicId(withExtensions(["siderolabs/qemu-guest-agent"])),
      "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515",
    );
  });
  it("is what the reference stack's nodes install", () => {
    assert.equal(schematicId(schematic(stackPlan("homelab"))), "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515");
  });
  it("changes with the extensions and follows yaml.v3's layout", () => {
    const two = withExtensions(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent"]);
    assert.equal(
      canonicalSchematicYaml(two),
      "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/iscsi-tools\n            - siderolabs/qemu-guest-agent\n",
    );
    assert.notEqual(schematicId(two), schematicId(withExtensions(["siderolabs/qemu-guest-agent"])));
    assert.match(schematicId(two), /^[0-9a-f]{64}$/);
  });
  it("refuses names whose YAML quoting it would have to guess", () => {
    assert.throws(() => schematicId(withExtensions(["true"])), /not an <org>\/<name>/);
    assert.throws(() => schematicId(withExtensions(["siderolabs/x: y"])), /not an <org>\/<name>/);
  });
  it("a factory answer other than the local ID stops the deployment", () => {
    const id = schematicId(withExtensions(["siderolabs/qemu-guest-agent"]));
    assert.equal(checkFactorySchematicId(id, id), id);
    assert.throws(
      () => checkFactorySchematicId("376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba", id),
      /registered schematic 3765.*built for ce4c/,
    );
  });
});
