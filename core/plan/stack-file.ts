// Reads a stack's config the way the Pulumi engine does: project defaults from Pulumi.yaml, then
// Pulumi.<stack>.yaml on top. Used by the preflight command (no engine needed) and by tests.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SECRET_KEYS } from "./raw-config";

export const NAMESPACE = "homelab";

export interface StackConfig {
  stack: string;
  values: Record<string, unknown>;
  /** keys of the stack file outside the namespace (a misspelt namespace is reported) */
  otherKeys: string[];
  secretsPresent: { proxmoxApiToken: boolean; haproxySshPrivateKey: boolean };
}

export class StackFileError extends Error {}

/**
 * The engine hands the program every top-level config value as text (maps and lists as JSON); the
 * program decodes it with this, and so does the preflight command, so both see the same values.
 */
export function decodeConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const asEngineText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * The program's config values: every key of the namespace the engine hands over
 * (`pulumi.runtime.allConfig()`, keys `homelab:<name>`), not only the known ones, so that a key
 * nobody reads is reported, as the preflight reports it from the stack file. Secret keys are left
 * out: the program reads them as secrets, and the plan only needs to know they are set.
 */
export function namespaceValues(all: Record<string, string>): Record<string, unknown> {
  const secret = new Set<string>(Object.values(SECRET_KEYS));
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`) || secret.has(key)) continue;
    values[key.slice(NAMESPACE.length + 1)] = decodeConfigValue(text);
  }
  return values;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`cannot read ${file}`);
  }
  try {
    return (parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new StackFileError(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const project = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const stackFile = readYaml(path.join(projectDir, `Pulumi.${stack}.yaml`));
  const values: Record<string, unknown> = {};
  const projectConfig = (project.config ?? {}) as Record<string, { default?: unknown; value?: unknown }>;
  for (const [key, decl] of Object.entries(projectConfig)) {
    const bare = key.startsWith(`${NAMESPACE}:`) ? key.slice(NAMESPACE.length + 1) : key;
    if (decl && typeof decl === "object" && "default" in decl) values[bare] = decodeConfigValue(asEngineText(decl.default));
  }
  const stackConfig = (stackFile.config ?? {}) as Record<string, unknown>;
  const present = new Set<string>();
  const otherKeys: string[] = [];
  for (const [key, value] of Object.entries(stackConfig)) {
    if (!key.startsWith(`${NAMESPACE}:`)) {
      otherKeys.push(key);
      continue;
    }
    const bare = key.slice(NAMESPACE.length + 1);
    present.add(key);
    if (value && typeof value === "object" && "secure" in (value as object)) continue;
    values[bare] = decodeConfigValue(asEngineText(value));
  }
  return {
    stack,
    values,
    otherKeys,
    secretsPresent: {
      proxmoxApiToken: present.has(SECRET_KEYS.proxmoxApiToken),
      haproxySshPrivateKey: present.has(SECRET_KEYS.haproxySshPrivateKey),
    },
  };
}

export function readPolicyConfig(projectDir: string, stack: string): Record<string, unknown> | undefined {
  const file = path.join(projectDir, "policies", "config", `${stack}.json`);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8"));
}
