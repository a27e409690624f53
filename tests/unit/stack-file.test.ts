// A stack file reads the same after Pulumi rewrote it (`pulumi stack init` / `config set`): block style,
// numbers as strings, an encryption salt and encrypted values added.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { readStackConfig } from "../../core/plan/stack-file";
import { PROJECT_DIR, referenceStackConfig } from "../helpers/stacks";

/** Top-level scalars as the strings Pulumi writes back (`7445` becomes `"7445"`); objects keep their types. */
const quoteNumbers = (config: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "number" || typeof v === "boolean" ? String(v) : v]));

describe("stack files rewritten by Pulumi", () => {
  for (const stack of ["homelab", "lab"]) {
    it(`${stack}: the same values, and the secret only as present`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
      try {
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const config = referenceStackConfig(stack);
        const rewritten = {
          encryptionsalt: "v1:c2FsdA==:v1:aXY=:Y2lwaGVy",
          config: { ...quoteNumbers(config), "homelab:proxmoxApiToken": { secure: "v1:AAAA:BBBB" } },
        };
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(rewritten));
        const original = readStackConfig(PROJECT_DIR, stack);
        const after = readStackConfig(dir, stack);
        assert.deepEqual(after.values, original.values);
        assert.equal(after.secretsPresent.proxmoxApiToken, true);
        assert.equal(original.secretsPresent.proxmoxApiToken, false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
