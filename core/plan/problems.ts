// A problem with the stack config: which key, what is wrong, and what to write instead.
export interface ConfigProblem {
  key: string;
  message: string;
  fix: string;
  /** the node's name, for a problem with one entry of `nodes` (its key only has the index) */
  node?: string;
}

/** `homelab:nodes[6].cpu (talos-wrk-04)`: the key, and the node's name where there is one. */
export function problemWhere(p: ConfigProblem): string {
  return p.node ? `${p.key} (${p.node})` : p.key;
}

/**
 * Adds the node's name to problems about one node (key `homelab:nodes[6]...`), so that the message
 * reads `nodes[6] (talos-wrk-04)`. Works on the raw input, before or after the shape check.
 */
export function withNodeNames(problems: ConfigProblem[], config: Record<string, unknown>): ConfigProblem[] {
  const nodes = Array.isArray(config.nodes) ? config.nodes : [];
  return problems.map((p) => {
    const m = /^homelab:nodes\[(\d+)\]/.exec(p.key);
    const name = m ? (nodes[Number(m[1])] as { name?: unknown } | undefined)?.name : undefined;
    return typeof name === "string" && name && !p.node ? { ...p, node: name } : p;
  });
}

export class ConfigError extends Error {
  constructor(public readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${problemWhere(p)}: ${p.message}\n      fix: ${p.fix}`);
  return `the stack config has ${problems.length} problem(s); nothing was created:\n${lines.join("\n")}`;
}
