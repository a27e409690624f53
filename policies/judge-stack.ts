// `npx tsx policies/judge-stack.ts <stack>`: the policy pack judging the resources the program declares
// for a stack on a first preview, without the engine or provider plugins (the program runs under
// preview-mode mocks; each policy sees the props through CrossGuard's own deserialiser and proxy).
// Exit 0 when no mandatory policy is violated, 1 otherwise, 2 when the program refuses the stack.
import * as path from "node:path";
import { unknownCheckingProxy } from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { readPolicyConfig } from "../core/plan/stack-file";
import { captureProgramPreview, type RawRegistration } from "./offline/capture-program";
import { allPolicies } from "./policies";

// the analyzer's own deserialiser (the policy server runs it before wrapping props); internal, untyped
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties(s: Struct, proxySecrets: boolean): Record<string, any>;
};

/** A registration's props as a stack policy receives them: deserialised, then behind CrossGuard's proxy. */
export function analyzerProps(r: RawRegistration): Record<string, any> {
  return unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(r.object as any), false));
}

export interface PolicyVerdict {
  policy: string;
  enforcementLevel: string;
  violations: string[];
  notApplicable?: string;
}

function levelOf(config: unknown, fallback: string): string {
  if (typeof config === "string") return config;
  if (config && typeof config === "object" && typeof (config as { enforcementLevel?: unknown }).enforcementLevel === "string")
    return (config as { enforcementLevel: string }).enforcementLevel;
  return fallback;
}

export async function judgeStack(projectDir: string, stack: string): Promise<PolicyVerdict[]> {
  const raw = await captureProgramPreview(projectDir, stack);
  const resources = raw.map((r, i) => ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:${stack}::homelab::${r.type}::${r.name}#${i}`,
    opts: {},
    isSecret: () => false,
    props: analyzerProps(r),
  }));
  const policyConfig = readPolicyConfig(projectDir, stack) ?? {};
  return allPolicies.map((p) => {
    const cfg = policyConfig[p.name];
    const verdict: PolicyVerdict = { policy: p.name, enforcementLevel: levelOf(cfg, p.enforcementLevel ?? "advisory"), violations: [] };
    if (verdict.enforcementLevel === "disabled") return verdict;
    const config = cfg && typeof cfg === "object" ? { ...(cfg as object) } : {};
    try {
      p.validateStack(
        {
          resources,
          stackTags: new Map(),
          getConfig: () => config as any,
          notApplicable: (reason?: string) => {
            verdict.notApplicable = reason ?? "";
            throw NOT_APPLICABLE;
          },
        } as any,
        (message: string) => {
          verdict.violations.push(message);
        },
      );
    } catch (e) {
      if (e !== NOT_APPLICABLE) throw e;
    }
    return verdict;
  });
}
const NOT_APPLICABLE = Symbol("not applicable");

async function cli(): Promise<number> {
  const stack = process.argv[2] ?? "homelab";
  let verdicts: PolicyVerdict[];
  try {
    verdicts = await judgeStack(path.resolve(__dirname, ".."), stack);
  } catch (e) {
    console.error(`judge-stack: the program refused stack ${stack}:\n${(e as Error).message}`);
    return 2;
  }
  let failed = 0;
  console.log(`policy pack on the resources the program declares for ${stack} (first preview, no engine):`);
  for (const v of verdicts) {
    const state =
      v.enforcementLevel === "disabled"
        ? "disabled"
        : v.violations.length
          ? v.enforcementLevel === "mandatory"
            ? "VIOLATED"
            : "advisory"
          : v.notApplicable !== undefined
            ? `not decided: ${v.notApplicable}`
            : "passed";
    console.log(`  ${v.policy.padEnd(32)} ${state}`);
    for (const m of v.violations) console.log(`      - ${m}`);
    if (v.violations.length && v.enforcementLevel === "mandatory") failed++;
  }
  return failed ? 1 : 0;
}

if (require.main === module)
  cli().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
