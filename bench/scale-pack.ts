// The policy pack on the registrations of one mock run (bench/scale-mock.ts with SCALE_DUMP), the way
// @pulumi/policy's server runs a stack analysis: for every stack policy, every resource deserialised and
// wrapped in the unknown-checking proxy again, then validateStack. Started by bench/scale-pack.cjs (the
// pack's TypeScript through tools/ts-loader.cjs, as policies/run-policy-pack.cjs loads it).
//   SCALE_DUMP  file with the registrations ([{type, name, object}], the engine's serialised form)
// Prints one JSON line: the CPU time (this process) of loading the pack and of the analysis.
import * as fs from "node:fs";

const NOT_APPLICABLE = Symbol("not applicable");
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const t0 = cpuMs();
/* eslint-disable @typescript-eslint/no-require-imports */
const { allPolicies } = require("../policies/policies") as typeof import("../policies/policies");
const { unknownCheckingProxy } = require("../policies/node_modules/@pulumi/policy") as { unknownCheckingProxy<T>(o: T): T };
const { deserializeProperties } = require("../policies/node_modules/@pulumi/policy/deserialize") as {
  deserializeProperties(s: unknown, proxySecrets: boolean): Record<string, any>;
};
const { Struct } = require("../policies/node_modules/google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(o: unknown): unknown };
};
const config = JSON.parse(fs.readFileSync(require.resolve("../policies/config/homelab.json"), "utf8")) as Record<string, unknown>;
/* eslint-enable @typescript-eslint/no-require-imports */
const registrations = JSON.parse(fs.readFileSync(process.env.SCALE_DUMP!, "utf8")) as {
  type: string;
  name: string;
  object: Record<string, unknown>;
}[];
// what the engine sends: each resource's properties as a protobuf Struct
const structs = registrations.map((r) => ({ type: r.type, name: r.name, props: Struct.fromJavaScript(r.object) }));
const t1 = cpuMs();

const perPolicy: Record<string, number> = {};
let violations = 0;
for (const p of allPolicies) {
  const c = config[p.name];
  if (c === "disabled" || (c && typeof c === "object" && (c as { enforcementLevel?: string }).enforcementLevel === "disabled")) continue;
  const s = cpuMs();
  const resources = structs.map((r, i) => ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:homelab::homelab::${r.type}::${r.name}#${i}`,
    opts: {},
    isSecret: () => false,
    props: unknownCheckingProxy(deserializeProperties(r.props, false)),
  }));
  const cfg = c && typeof c === "object" ? { ...(c as object) } : {};
  try {
    (p as { validateStack(args: unknown, report: (m: string) => void): void }).validateStack(
      {
        resources,
        stackTags: new Map(),
        getConfig: () => cfg,
        notApplicable: () => {
          throw NOT_APPLICABLE;
        },
      },
      (m: string) => {
        violations++;
        if (process.env.SCALE_SHOW_VIOLATIONS) console.error(`${p.name}: ${m}`);
      },
    );
  } catch (e) {
    if (e !== NOT_APPLICABLE) throw e;
  }
  perPolicy[p.name] = cpuMs() - s;
}
const t2 = cpuMs();
process.stdout.write(
  `${JSON.stringify({ resources: registrations.length, violations, loadMs: t1 - t0, analysisMs: t2 - t1, perPolicy })}\n`,
);
