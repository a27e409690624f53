// Keys nobody reads: top-level keys the schema does not have, keys of a misspelt namespace, rule names
// the policy pack does not have. Each says which key it most likely meant. Pure.
import { RULE_NAMES } from "../rules/names";
import type { ConfigProblem } from "./problems";

/** Edit distance (insert, delete, substitute one character), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length];
}

/** One contains the other (lbPools, lbPool), both long enough not to match by chance. */
const contains = (a: string, b: string) => a.toLowerCase().includes(b.toLowerCase()) && b.length >= 4;

/** The known key a typo most likely meant: close in spelling, or one contains the other (lbPools). */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(word, key);
    const close = d <= Math.max(1, Math.floor(Math.max(word.length, key.length) / 4)) || contains(word, key) || contains(key, word);
    if (close && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

export function unknownKeyFix(key: string, known: readonly string[], where: string): string {
  const guess = didYouMean(key, known);
  return guess ? `did you mean \`${where}${guess}\`? rename it` : `remove it; known keys are ${known.join(", ")}`;
}

/**
 * Keys of another namespace that look like a misspelt `homelab:` (`homelb:nodes`): the engine passes
 * them on, nothing reads them, and an optional setting silently keeps its default.
 */
export function misspeltNamespaceKeys(keys: readonly string[], known: readonly string[]): ConfigProblem[] {
  return keys.flatMap((k) => {
    const [ns, ...rest] = k.split(":");
    const name = rest.join(":");
    if (ns === "homelab" || !name || distance(ns, "homelab") > 2) return [];
    const guess = known.includes(name) ? name : didYouMean(name, known);
    return [
      {
        key: k,
        message: `namespace "${ns}" is not this program's; nothing reads it`,
        fix: `did you mean \`homelab:${guess ?? name}\`? rename it`,
      },
    ];
  });
}

/** Top-level keys of the namespace that no part of the program reads. */
export function unknownTopLevelKeys(config: Record<string, unknown>, known: readonly string[]): ConfigProblem[] {
  return Object.keys(config)
    .filter((k) => !known.includes(k))
    .map((k) => ({
      key: `homelab:${k}`,
      message: "is not a setting of this program; nothing reads it",
      fix: unknownKeyFix(k, known, "homelab:"),
    }));
}

/**
 * Rule names in the stack's policy config (policies/config/<stack>.json) that no rule has: a typo
 * there silently leaves the rule at its default level and thresholds, in the pack and here alike.
 */
export function unknownPolicyRules(policyConfig: Record<string, unknown> | undefined, stack: string): ConfigProblem[] {
  const known = [...Object.values(RULE_NAMES), "all"];
  return Object.keys(policyConfig ?? {})
    .filter((k) => !known.includes(k))
    .map((k) => ({
      key: `policies/config/${stack}.json: ${k}`,
      message: "is not a rule of the policy pack; its settings are ignored",
      fix: unknownKeyFix(k, known, ""),
    }));
}
