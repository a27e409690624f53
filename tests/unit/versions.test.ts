// core/versions: the committed support matrix is what Talos's compatibility package says at the pinned
// machinery releases (the judges are asked, never a copy), and the program's answers agree with
// Talos's own test tables (pkg/machinery/compatibility/*_test.go at those releases).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { GENERATED_FILE, renderCompatibilityTable } from "../../core/versions/compatibility-table";
import {
  kubernetesMinors,
  kubernetesSupported,
  minorsBetween,
  release,
  SUPPORTED_TALOS,
  TALOS_COMPATIBILITY,
  talosInstallerAccepts,
  talosMinorOf,
} from "../../core/versions";
import { ciliumPlanFor } from "../../core/versions/cilium";
import { measuredRows, pinnedMachinery, tableDiffers } from "../../tools/talos-validate/compatibility-table";
import { PROJECT_DIR } from "../helpers/stacks";

describe("the Talos support matrix comes from Talos", () => {
  const rows = measuredRows();

  it("each judge links the machinery release tools/versions.env pins", () => {
    assert.deepEqual(
      rows.map((r) => r.machinery),
      pinnedMachinery(),
    );
  });

  it("the committed table is exactly what the judges print", () => {
    const committed = fs.readFileSync(path.join(PROJECT_DIR, GENERATED_FILE), "utf8");
    assert.equal(
      committed,
      renderCompatibilityTable(rows),
      `regenerate ${GENERATED_FILE}: tools/talos-validate/compatibility-table.ts --write`,
    );
    assert.deepEqual(TALOS_COMPATIBILITY, Object.fromEntries(rows.map((r) => [r.minor, r])));
  });

  it("the check fails on a table that disagrees with the judges by one bound", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "talos-compat-"));
    const file = path.join(dir, "table.ts");
    fs.writeFileSync(file, renderCompatibilityTable(rows));
    assert.equal(tableDiffers(file, rows), false);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('below: "1.36.99"', 'below: "1.37.99"'));
    assert.equal(tableDiffers(file, rows), true);
    fs.rmSync(dir, { recursive: true });
  });

  it("the supported Talos minors are the pinned ones", () => {
    assert.deepEqual(
      SUPPORTED_TALOS,
      pinnedMachinery().map((v) => v.replace(/^v(\d+\.\d+)\..*$/, "$1")),
    );
  });
});

describe("answers match Talos's own test tables", () => {
  it("Kubernetes per Talos minor (TestKubernetesCompatibility111/112/113)", () => {
    const cases: Array<[string, string, boolean]> = [
      ["1.11", "1.30.1", true],
      ["1.11", "1.29.1", true],
      ["1.11", "1.28.1", false],
      ["1.12", "1.31.1", true],
      ["1.12", "1.30.1", true],
      ["1.12", "1.29.1", false],
      ["1.13", "1.31.1", true],
      ["1.13", "1.32.1", true],
      ["1.13", "1.30.1", false],
    ];
    for (const [talos, kubernetes, ok] of cases) {
      assert.equal(
        kubernetesSupported(talos as (typeof SUPPORTED_TALOS)[number], kubernetes),
        ok,
        `Kubernetes ${kubernetes} on Talos ${talos}`,
      );
    }
    assert.deepEqual(kubernetesMinors("1.13"), { lowest: "1.31", highest: "1.36" });
  });

  it("installer host versions (TestTalosUpgradeCompatibility112/113): 1.13 takes nodes from 1.11.0", () => {
    const cases: Array<[string, string, boolean]> = [
      ["1.13.0", "1.11.0", true],
      ["1.13.1", "1.12.3", true],
      ["1.13.3", "1.13.5", true],
      ["1.13.0", "1.10.0", false],
      ["1.12.0", "1.10.0", true],
      ["1.12.1", "1.11.3", true],
      ["1.12.0", "1.9.0", false],
    ];
    for (const [target, host, ok] of cases) assert.equal(talosInstallerAccepts(target, host), ok, `${host} -> ${target}`);
    assert.equal(talosInstallerAccepts("1.9.0", "1.8.0"), undefined, "no row for an unsupported target");
  });
});

describe("release arithmetic goes through semver", () => {
  it("plain releases only, with or without v", () => {
    assert.equal(release("v1.11.5"), "1.11.5");
    assert.equal(release("1.34.1"), "1.34.1");
    for (const bad of ["latest", "1.11", "v1.12.0-beta.1", "01.2.3", "1.2.3.4"]) assert.equal(release(bad), undefined, bad);
  });
  it("minors between releases, across majors infinite", () => {
    assert.equal(minorsBetween("1.11.5", "1.13.0"), 2);
    assert.equal(minorsBetween("1.13.0", "1.13.9"), 0);
    assert.equal(minorsBetween("1.13.0", "2.0.0"), Number.POSITIVE_INFINITY);
    assert.equal(talosMinorOf("v1.12.1"), "1.12");
    assert.equal(talosMinorOf("v1.10.9"), undefined);
  });
  it("Cilium's LB pool API version follows its minor", () => {
    assert.equal(ciliumPlanFor("1.17.9")?.lbPoolApiVersion, "cilium.io/v2alpha1");
    assert.equal(ciliumPlanFor("v1.18.4")?.lbPoolApiVersion, "cilium.io/v2");
    assert.equal(ciliumPlanFor("1.15.0"), undefined);
  });
});
