// The policy tests judge resources of a program wired from the components (tests/helpers/capture.ts),
// because the real index.ts refuses a plan that breaks a rule before it registers anything, so it
// cannot show the pack a violation. That wiring must not drift from index.ts: on the reference stack,
// the real index.ts (under the same mocks the offline judge uses) and the wired program register the
// same resources with the same inputs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { captureProgramPreview } from "../offline/capture-program";
import { capturePreview } from "../../tests/helpers/capture";
import type { RawRegistration } from "../../tests/helpers/mocks";
import { PROJECT_DIR, stackPlan } from "../../tests/helpers/stacks";

const byName = (raw: RawRegistration[]) =>
  new Map(
    raw
      .filter((r) => r.type !== "pulumi:pulumi:StackReference" && r.type !== "pulumi:pulumi:Stack")
      .map((r) => [`${r.type}::${r.name}`, r.object]),
  );

describe("the policy tests' program and the real index.ts", () => {
  for (const stack of ["homelab", "lab"]) {
    it(`register the same resources with the same inputs on the ${stack} stack`, async () => {
      const real = byName(await captureProgramPreview(PROJECT_DIR, stack));
      const wired = byName(await capturePreview(stackPlan(stack)));
      assert.ok(real.size > 20, `index.ts registered ${real.size} resources`);
      assert.deepEqual([...wired.keys()].sort(), [...real.keys()].sort());
      for (const [key, inputs] of real) assert.deepEqual(wired.get(key), inputs, key);
    });
  }
});
