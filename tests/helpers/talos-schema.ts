// Validates Talos config documents against the machine-config JSON schema of a Talos release (from the
// pinned Talos machinery module, see helpers/judges): the judge is Talos's own schema, not our idea of it.
import Ajv2020 from "ajv/dist/2020";
import * as fs from "node:fs";
import type { TalosMinor } from "../../core/plan/types";
import { talosSchemaFile } from "./judges";

const cache = new Map<TalosMinor, (doc: unknown) => string[]>();

export function talosValidator(minor: TalosMinor): (doc: unknown) => string[] {
  const hit = cache.get(minor);
  if (hit) return hit;
  const schema = JSON.parse(fs.readFileSync(talosSchemaFile(minor), "utf8"));
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(schema, "talos");
  const whole = ajv.getSchema("talos")!;
  // a v1alpha1 patch has no `version` key; it is judged against the v1alpha1.Config definition
  const v1alpha1 = ajv.compile({ $ref: `${schema.$id}#/$defs/v1alpha1.Config` });
  const validate = (doc: unknown): string[] => {
    const d = doc as Record<string, unknown>;
    const fn = "kind" in d ? whole : v1alpha1;
    if (fn(doc)) return [];
    return (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  };
  cache.set(minor, validate);
  return validate;
}
