// Step 1 of the plan: parse. The stack config against the schema (raw-config.ts), keys nobody reads,
// and the well-formed parts of a config that does not parse, so that the checks still judge those.
import { z } from "zod";
import type { PlanInputs } from "./inputs";
import type { ConfigProblem } from "./problems";
import { type RawConfig, rawConfigSchema, SECRET_KEYS } from "./raw-config";
import { misspeltNamespaceKeys, unknownKeyFix, unknownPolicyRules, unknownTopLevelKeys } from "./unknown-keys";

/** A value with every part that failed its schema left out (list entries: undefined, keeping indexes). */
export type WellFormed<T> = T extends readonly (infer E)[]
  ? Array<WellFormed<E> | undefined>
  : T extends object
    ? { [K in keyof T]?: WellFormed<T[K]> }
    : T;
export type WellFormedConfig = WellFormed<RawConfig>;

export interface Parsed {
  /** the whole config, when it parses */
  raw?: RawConfig;
  /** the parts that parse on their own (all of it when `raw` is set) */
  wellFormed: WellFormedConfig;
  problems: ConfigProblem[];
}

export function parseConfig(input: Pick<PlanInputs, "config" | "otherKeys" | "policyConfig" | "stack">): Parsed {
  const knownKeys = [...Object.keys(rawConfigSchema.shape), ...Object.keys(SECRET_KEYS)];
  // keys the program does not read: the schema would drop them silently
  const problems = [
    ...unknownTopLevelKeys(input.config, knownKeys),
    ...misspeltNamespaceKeys(input.otherKeys ?? [], knownKeys),
    ...unknownPolicyRules(input.policyConfig, input.stack),
  ];
  const parsed = rawConfigSchema.safeParse(input.config);
  if (parsed.success) return { raw: parsed.data, wellFormed: parsed.data as WellFormedConfig, problems };
  return {
    wellFormed: (wellFormedPart(rawConfigSchema, input.config) ?? {}) as WellFormedConfig,
    problems: [...problems, ...parsed.error.issues.flatMap((issue) => issueProblems(issue, input.config))],
  };
}

// ---------------------------------------------------------------------------------------------
// The schema as data: zod keeps wrappers (optional, default, pipe) and containers in `_zod.def`.

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}
const defOf = (s: z.ZodType) => s._zod.def as unknown as SchemaDef;

/** Through optional, default and (with `pipes`) pipe wrappers to the schema that checks the value. */
function unwrap(s: z.ZodType, pipes: boolean): z.ZodType {
  for (let d = defOf(s); d.innerType || (pipes && d.out); d = defOf(s)) s = (d.innerType ?? d.out) as z.ZodType;
  return s;
}

/** The schema at a config path. */
function schemaAt(path: PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = rawConfigSchema;
  for (const seg of path) {
    const d: SchemaDef | undefined = s && defOf(unwrap(s, false));
    s = typeof seg === "number" ? d?.element : d?.shape?.[String(seg)];
  }
  return s && unwrap(s, true);
}

/** The part of a value its schema accepts: objects and lists keep their well-formed members. */
function wellFormedPart(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const d = defOf(unwrap(schema, false));
  if (d.shape && value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(d.shape).map(([k, s]) => [k, wellFormedPart(s, (value as Record<string, unknown>)[k])]);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  if (d.element && Array.isArray(value)) return value.map((e) => wellFormedPart(d.element as z.ZodType, e));
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// zod's issues as problems: the key, what is wrong, what to write

const keyOf = (path: PropertyKey[]) =>
  path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");

function valueAt(config: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, seg) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined), config);
}

function issueProblems(issue: z.core.$ZodIssue, config: unknown): ConfigProblem[] {
  const path = keyOf(issue.path);
  const key = `homelab:${path || "(root)"}`;
  if (issue.code === "unrecognized_keys") {
    // one problem per key, each with the key it most likely meant
    const shape = defOf(unwrap(schemaAt(issue.path) ?? rawConfigSchema, false)).shape ?? {};
    return issue.keys.map((k) => ({
      key: `${key}.${k}`,
      message: "is not a setting here; nothing reads it",
      fix: unknownKeyFix(k, Object.keys(shape), `${path}.`),
    }));
  }
  if (valueAt(config, issue.path) === undefined) {
    return [{ key, message: "is missing", fix: `add \`${path}\` (see the configuration reference in docs/configuration.md)` }];
  }
  const schema = schemaAt(issue.path);
  const declaredFix = schema && z.globalRegistry.get(schema)?.fix;
  const { message, fix } = describeIssue(issue, schema);
  return [{ key, message, fix: typeof declaredFix === "string" ? declaredFix : fix }];
}

/** What a shape problem says, and the fix where the schema declares none. */
function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): { message: string; fix: string } {
  if (issue.code === "invalid_type")
    return { message: issue.message, fix: `write ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected} here` };
  if (issue.code === "invalid_value") return { message: issue.message, fix: `write one of: ${issue.values.join(", ")}` };
  if (issue.code !== "too_small" && issue.code !== "too_big")
    return { message: issue.message, fix: "see the configuration reference in docs/configuration.md" };
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === "array")
    return { message: small ? "has too few entries" : "has too many entries", fix: `list ${small ? "at least" : "at most"} ${bound}` };
  if (issue.origin === "string") {
    return {
      message: small && bound <= 1 ? "is empty" : issue.message,
      fix: small ? "write a value here" : `write at most ${bound} characters`,
    };
  }
  // an integer "> 0" (positive()) is "at least 1": say the value to write, not the bound
  const integer = (schema as { isInt?: boolean } | undefined)?.isInt === true;
  const edge = issue.inclusive !== false ? bound : integer ? (small ? bound + 1 : bound - 1) : undefined;
  return {
    message: small ? "is too small" : "is too large",
    fix:
      edge !== undefined ? `write ${small ? "at least" : "at most"} ${edge}` : `write a number ${small ? "greater" : "less"} than ${bound}`,
  };
}
