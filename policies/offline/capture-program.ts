// Runs the real program (index.ts) for a stack in preview mode under Pulumi mocks, with no engine and no
// provider plugins, and keeps each resource registration in the serialised form the engine forwards
// to a policy pack: values no provider has computed yet are the engine's unknown sentinel, secrets
// are secret signatures. The pack then judges exactly what the program declares on a first preview.
import * as path from "node:path";
import type * as Pulumi from "@pulumi/pulumi";
import { NAMESPACE, readStackConfig } from "../../core/plan/stack-file";

export interface RawRegistration {
  type: string;
  name: string;
  object: Record<string, unknown>;
}

/**
 * Keeps each registration the mock monitor receives in its serialised form (unknowns as the engine's
 * sentinel, secrets as signatures), which is what the engine forwards to a policy pack. `settings` is
 * the `runtime/settings` module of the SDK instance the mocks were set on.
 */
export function recordRegistrations(settings: { getMonitor(): unknown }, into: RawRegistration[]): void {
  const monitor = settings.getMonitor() as { registerResource: (req: any, cb: any) => void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    into.push({ type: req.getType(), name: req.getName(), object: req.getObject()?.toJavaScript() ?? {} });
    return register(req, cb);
  };
}

/** Placeholder for a secret config value: the program only needs to know that it is set. */
const SECRET_PLACEHOLDER = "set-with-pulumi-config-set-secret";

export async function captureProgramPreview(projectDir: string, stack: string): Promise<RawRegistration[]> {
  // the program's own copy of the SDK (policies/ has another): mocks must be set where index.ts looks
  const sdk = require.resolve("@pulumi/pulumi", { paths: [projectDir] });
  const pulumi = require(sdk) as typeof Pulumi;
  const settings = require(path.join(path.dirname(sdk), "runtime", "settings"));
  const sc = readStackConfig(projectDir, stack);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(sc.values))
    config[`${NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  for (const [name, present] of Object.entries(sc.secretsPresent)) {
    if (!present) continue;
    config[`${NAMESPACE}:${name}`] = SECRET_PLACEHOLDER;
    secretKeys.push(`${NAMESPACE}:${name}`);
  }
  pulumi.runtime.setAllConfig(config, secretKeys);
  // credentials are needed to deploy, not to declare resources; nothing here reaches Proxmox
  if (!sc.secretsPresent.proxmoxApiToken && !process.env.PROXMOX_VE_API_TOKEN && !process.env.PROXMOX_VE_USERNAME) {
    process.env.PROXMOX_VE_API_TOKEN = "offline@pve!capture=00000000-0000-0000-0000-000000000000";
  }

  const registrations: RawRegistration[] = [];
  pulumi.runtime.setMocks(
    {
      // a first preview: providers know only their inputs; every computed output stays unknown
      newResource(args) {
        if (args.type === "pulumi:pulumi:StackReference") return { id: args.name, state: { outputs: {} } };
        return { id: undefined, state: { ...args.inputs } };
      },
      call() {
        return {};
      },
    },
    "homelab",
    stack,
    true,
    "organization",
  );
  recordRegistrations(settings, registrations);

  // index.ts exports its main function; the engine would call it the same way
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  // index.ts plans from the config when it loads: a second capture in this process loads it again
  const entry = path.join(projectDir, "index.ts");
  delete require.cache[require.resolve(entry)];
  const main = require(entry) as () => Promise<unknown>;
  await main();
  // internal to @pulumi/pulumi (not in its typings): resolves once every registration has been sent
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return registrations;
}
