// A check: one config key, judged on the well-formed parts of the config; what it finds is filed
// under that key (or an entry or field below it, `at`), with the fix to write.
import type { PlanInputs } from "../inputs";
import type { WellFormedConfig } from "../parse";

export interface Found {
  /** below the check's key: `[2]`, `.start`, `[0].mac`; absent for the key itself */
  at?: string;
  message: string;
  fix: string;
}

export interface Check {
  /** the config key under `homelab:` (`network.ntp`, `nodes`, `proxmoxApiToken`) */
  key: string;
  run: (cfg: WellFormedConfig, input: PlanInputs) => Found[];
}

/** Entries a list names twice (folded, e.g. case-insensitive), each filed at its index. */
export function listedTwice(key: string, list: Array<string | undefined>, what: string, fold = (v: string) => v): Found[] {
  const seen = new Map<string, number>();
  return list.flatMap((v, i) => {
    if (v === undefined) return [];
    const first = seen.get(fold(v));
    if (first === undefined) seen.set(fold(v), i);
    return first === undefined
      ? []
      : [
          {
            at: `[${i}]`,
            message: `${what} ${v} is already listed at ${key}[${first}]`,
            fix: "list each one once; a repeated entry adds no redundancy",
          },
        ];
  });
}
