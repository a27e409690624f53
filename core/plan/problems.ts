// A problem with the stack config: which key, what is wrong, and what to write instead.
export interface ConfigProblem {
  key: string;
  message: string;
  fix: string;
}

export class ConfigError extends Error {
  constructor(public readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.key}: ${p.message}\n      fix: ${p.fix}`);
  return `the stack config has ${problems.length} problem(s); nothing was created:\n${lines.join("\n")}`;
}
