// One run of the real program (index.ts through tools/program-entry.cjs) under Pulumi mocks, in preview mode, for bench/scale.ts. Started
// by bench/scale-mock.cjs, which loads TypeScript the way the program's entry does (tools/ts-loader.cjs).
// Prints one JSON line: the CPU time (user+sys, this process) of each phase and what was registered.
//   SCALE_CONFIG    file with the stack config as the engine hands it over ({"homelab:nodes": "<json>", ...})
//   SCALE_DEPLOYED  optional file with the stack's `deployed` output: a preview of an existing stack
//                   (resources answer with outputs as a provider would; the program reads `deployed`);
//                   without it, a first preview (every output unknown, as on a new stack)
//   SCALE_DUMP      optional file: the registrations, serialised as the engine forwards them to a policy
//                   pack, are written there (bench/scale-pack.ts judges them); not for measured runs
//   SCALE_FLOOR     optional <custom|component>:<n>: n trivial resources instead of the program (the SDK's floor)
// Phases: "sdk" (loading the SDKs the program imports), "module" (index.ts up to main: the plan from the
// config, the program's own modules), "run" (main(), every registration sent, the stack outputs).
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Pulumi from "@pulumi/pulumi";
import { type RawRegistration, recordRegistrations } from "../policies/offline/capture-program";

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function run(): Promise<void> {
  const root = path.join(__dirname, "..");
  const t0 = cpuMs();
  // what index.ts imports from the SDKs, loaded first so that "module" is the program's own cost
  const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
  require("@muhlba91/pulumi-proxmoxve");
  require("@pulumiverse/talos");
  require("@pulumi/command");
  require("../components/k8s");
  const settings = require("@pulumi/pulumi/runtime/settings");
  const t1 = cpuMs();

  const config = JSON.parse(fs.readFileSync(process.env.SCALE_CONFIG!, "utf8")) as Record<string, string>;
  const deployed = process.env.SCALE_DEPLOYED ? JSON.parse(fs.readFileSync(process.env.SCALE_DEPLOYED, "utf8")) : undefined;
  pulumi.runtime.setAllConfig(config, []);
  const counts = { resources: 0, custom: 0, invokes: 0 };
  const byType: Record<string, number> = {};
  // the answers tests/helpers/mocks.ts gives (installMocks), for the outputs the program reads
  const known = (type: string, name: string, inputs: Record<string, any>): Record<string, any> => {
    const state: Record<string, any> = { ...inputs };
    if (type === "talos:machine/secrets:Secrets") {
      state.machineSecrets = {
        cluster: { id: "c", secret: "s" },
        secrets: { bootstrapToken: "tok", secretboxEncryptionSecret: "sb" },
        trustdinfo: { token: "t" },
        certs: { k8s: { cert: "Q0VSVA==", key: "S0VZ" } },
      };
      state.clientConfiguration = { caCertificate: "Q0EtQ0VSVA==", clientCertificate: "Q0xJRU5ULUNFUlQ=", clientKey: "Q0xJRU5ULUtFWQ==" };
    }
    if (type === "talos:cluster/kubeconfig:Kubeconfig") state.kubeconfigRaw = "apiVersion: v1\nkind: Config\n";
    if (type === "talos:machine/configurationApply:ConfigurationApply") {
      state.machineConfigurationHash = `sha256-${name}`;
      state.resolvedApplyMode = inputs.applyMode === "staged_if_needing_reboot" ? "auto" : inputs.applyMode;
    }
    if (type === "proxmoxve:index/vmLegacy:VmLegacy") state.vmId = inputs.vmId;
    return state;
  };
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        counts.resources++;
        byType[args.type] = (byType[args.type] ?? 0) + 1;
        if (args.type === "pulumi:pulumi:StackReference") return { id: args.name, state: { outputs: deployed ? { deployed } : {} } };
        if (args.custom) counts.custom++;
        if (!deployed) return { id: undefined, state: { ...args.inputs } };
        if (args.type === "talos:imageFactory/schematic:Schematic") {
          // the factory answers with the schematic's own hash (core/talos/schematic-id.ts)
          const { schematicId } = require("../core/talos/schematic-id");
          return { id: schematicId(require("yaml").parse(args.inputs.schematic)), state: { ...args.inputs } };
        }
        if (args.type === "proxmoxve:download/file:File")
          return { id: `${args.inputs.datastoreId}:${args.inputs.contentType}/${args.inputs.fileName}`, state: { ...args.inputs } };
        return { id: `${args.name}-id`, state: known(args.type, args.name, args.inputs) };
      },
      call(args) {
        counts.invokes++;
        if (!deployed) return {};
        if (args.token === "talos:machine/getConfiguration:getConfiguration")
          return { ...args.inputs, machineConfiguration: `version: v1alpha1\nmachine:\n  type: ${args.inputs.machineType}\n` };
        if (args.token === "talos:client/getConfiguration:getConfiguration")
          return { ...args.inputs, talosConfig: `context: ${args.inputs.clusterName}\n` };
        return args.inputs;
      },
    },
    "homelab",
    "homelab",
    true,
    "organization",
  );
  const dump: RawRegistration[] = [];
  if (process.env.SCALE_DUMP) recordRegistrations(settings, dump);

  // through the program's own entry (Pulumi.yaml `main`), as the language host loads it; or, with
  // SCALE_FLOOR=<kind>:<n>, the SDK's own floor: n trivial resources (a command with two variables, or
  // an empty component) registered the same way, after the same entry
  const entry = require(path.join(root, "tools", "program-entry.cjs")) as () => Promise<Record<string, unknown>>;
  const [floorKind, floorCount] = (process.env.SCALE_FLOOR ?? "").split(":");
  const main = !floorKind
    ? entry
    : async () => {
        const { local } = require("@pulumi/command") as typeof import("@pulumi/command");
        class Empty extends pulumi.ComponentResource {
          constructor(name: string) {
            super("bench:floor:Empty", name, {}, {});
            this.registerOutputs({});
          }
        }
        for (let i = 0; i < Number(floorCount); i++) {
          if (floorKind === "component") new Empty(`floor-${i}`);
          else new local.Command(`floor-${i}`, { create: "true", environment: { A: "a", B: "b" } });
        }
        return {};
      };
  const t2 = cpuMs();
  // as the Node language host runs a program: the stack resource, main(), its result as the stack outputs
  await pulumi.runtime.runInPulumiStack(() => main());
  await (settings as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const t3 = cpuMs();
  if (process.env.SCALE_DUMP) fs.writeFileSync(process.env.SCALE_DUMP, JSON.stringify(dump));
  process.stdout.write(`${JSON.stringify({ ...counts, byType, sdkMs: t1 - t0, moduleMs: t2 - t1, runMs: t3 - t2, totalMs: t3 - t0 })}\n`);
}

run().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
