// The per-node apply modes, config-input hashes and the pending health check survive the round trip
// through the `deployed` stack output (JSON through the engine), and decide the next run's apply mode.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyModeFor, healthCheckFor } from "../../core/deployed/rollout";
import { parseDeployedState } from "../../core/deployed/state";

describe("apply modes in the deployed output", () => {
  it("read back as written; anything else is dropped", () => {
    const s = parseDeployedState(
      JSON.parse(
        JSON.stringify({
          talosVersion: "v1.12.1",
          nodes: [{ name: "a", role: "worker", ip: "10.0.0.1" }],
          applyModes: { a: "auto", b: 7 },
          configInputHashes: { a: "h1" },
          healthCheckPending: true,
        }),
      ),
    )!;
    assert.deepEqual(s.applyModes, { a: "auto" });
    assert.deepEqual(s.configInputHashes, { a: "h1" });
    assert.equal(s.healthCheckPending, true);
    assert.equal(parseDeployedState({ healthCheckPending: "yes" })!.healthCheckPending, undefined);
  });
  it("decide the mode: new node auto; same inputs keep the mode; changed or unknown inputs stage if needed", () => {
    const d = { applyModes: { a: "auto", b: "staged_if_needing_reboot" }, configInputHashes: { a: "h1", b: "h2" } };
    assert.equal(applyModeFor(false, "h1", d, "a"), "auto");
    assert.equal(applyModeFor(true, "h1", d, "a"), "auto");
    assert.equal(applyModeFor(true, "h2", d, "b"), "staged_if_needing_reboot");
    assert.equal(applyModeFor(true, "changed", d, "a"), "staged_if_needing_reboot");
    assert.equal(applyModeFor(true, "h1", {}, "a"), "staged_if_needing_reboot", "an older output without modes");
    assert.equal(
      applyModeFor(true, "h1", { applyModes: { a: "reboot" }, configInputHashes: { a: "h1" } }, "a"),
      "staged_if_needing_reboot",
      "only the two modes the program gives",
    );
  });
});

describe("the health check around nodes that leave", () => {
  const deployed = {
    nodes: [
      { name: "a", role: "worker" as const, ip: "10.0.0.1" },
      { name: "b", role: "worker" as const, ip: "10.0.0.2" },
    ],
    machineConfigHashes: { a: "h1", b: "h2" },
  };
  it("a run that removes a node, or changes configs while a node is marked unreachable, leaves it to the next run", () => {
    assert.equal(healthCheckFor(deployed, { a: "h1" }), "after-removal");
    assert.equal(healthCheckFor(deployed, { a: "h1x", b: "h2" }, ["b"]), "after-removal");
    assert.equal(healthCheckFor(deployed, { a: "h1", b: "h2" }, ["b"]), "unchanged", "nothing changed: nothing to check");
    assert.equal(
      healthCheckFor({ ...deployed, healthCheckPending: true }, { a: "h1", b: "h2" }),
      "configs-changed",
      "the run after checks once",
    );
    assert.equal(healthCheckFor(deployed, { a: "h1x", b: "h2" }), "configs-changed");
  });
});
