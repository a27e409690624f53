// Test helpers: plan inputs read from the real stack files, so tests judge what users ship.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { buildPlan, type PlanInputs } from "../../core/plan/build-plan";
import { readPolicyConfig, readStackConfig } from "../../core/plan/stack-file";
import type { Plan } from "../../core/plan/types";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export function stackInputs(stack: string, overrides: Partial<PlanInputs> = {}): PlanInputs {
  const sc = readStackConfig(PROJECT_DIR, stack);
  return {
    stack,
    config: structuredClone(sc.values),
    secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: false },
    env: {},
    policyConfig: readPolicyConfig(PROJECT_DIR, stack),
    ...overrides,
  };
}

export function stackPlan(stack: string, mutate?: (config: Record<string, any>) => void, overrides: Partial<PlanInputs> = {}): Plan {
  const inputs = stackInputs(stack, overrides);
  mutate?.(inputs.config as Record<string, any>);
  const r = buildPlan(inputs);
  if (!r.ok) throw new Error(`${stack} does not plan:\n${JSON.stringify(r.problems, null, 2)}`);
  return r.plan;
}

/** Problems of a mutated homelab config (expects it to fail). */
export function problemsOf(mutate: (config: Record<string, any>) => void, stack = "homelab", overrides: Partial<PlanInputs> = {}) {
  const inputs = stackInputs(stack, overrides);
  mutate(inputs.config as Record<string, any>);
  const r = buildPlan(inputs);
  if (r.ok) throw new Error("expected the plan to fail, it succeeded");
  return r.problems;
}

/**
 * The `config` map of a stack file as committed: whatever `pulumi stack init` or `config set --secret`
 * added in this working tree (encryption salt, secrets provider, encrypted values) is left out, and
 * the values are objects, so a stack file Pulumi reformatted reads the same.
 */
export function referenceStackConfig(stack: string): Record<string, any> {
  const file = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
  const config: Record<string, any> = {};
  for (const [key, value] of Object.entries((file.config ?? {}) as Record<string, any>)) {
    if (value && typeof value === "object" && "secure" in value) continue;
    config[key] = value;
  }
  return config;
}
