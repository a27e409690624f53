// Pulumi mocks that record every resource the program registers, with what a provider would return.
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { parse } from "yaml";
import { schematicId } from "../../core/talos/schematic-id";
import { TEST_KUBERNETES_CA } from "./test-kubernetes-ca";
import { recordRegistrations, type RawRegistration } from "../../policies/offline/capture-program";

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}

export const recorded: Recorded[] = [];
export const invokes: { token: string; inputs: Record<string, any> }[] = [];
/** knobs for what the fake providers answer */
export const mockBehaviour = { healthFails: false, resolvedApplyMode: undefined as string | undefined };

const FAKE_CLIENT = { caCertificate: "Q0EtQ0VSVA==", clientCertificate: "Q0xJRU5ULUNFUlQ=", clientKey: "Q0xJRU5ULUtFWQ==" };

export function installMocks(): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, any> = { ...args.inputs };
        if (args.type === "talos:machine/secrets:Secrets") {
          state.machineSecrets = {
            cluster: { id: "c", secret: "s" },
            secrets: { bootstrapToken: "tok", secretboxEncryptionSecret: "sb" },
            trustdinfo: { token: "t" },
            certs: { k8s: TEST_KUBERNETES_CA },
          };
          state.clientConfiguration = FAKE_CLIENT;
        }
        if (args.type === "talos:cluster/kubeconfig:Kubeconfig") state.kubeconfigRaw = "apiVersion: v1\nkind: Config\n";
        if (args.type === "talos:machine/configurationApply:ConfigurationApply") {
          state.machineConfigurationHash = `sha256-${args.name}`;
          // the provider resolves staged_if_needing_reboot to auto or staged by a dry run on the node
          state.resolvedApplyMode =
            mockBehaviour.resolvedApplyMode ?? (args.inputs.applyMode === "staged_if_needing_reboot" ? "auto" : args.inputs.applyMode);
        }
        // the provider's ID of a downloaded file is its volume ID
        if (args.type === "proxmoxve:download/file:File")
          return { id: `${args.inputs.datastoreId}:${args.inputs.contentType}/${args.inputs.fileName}`, state };
        // the factory's answer: the hash of the posted schematic (checked against factory-issued IDs in schematic-id.test.ts)
        if (args.type === "talos:imageFactory/schematic:Schematic") return { id: schematicId(parse(args.inputs.schematic)), state };
        if (args.type === "proxmoxve:index/vmLegacy:VmLegacy") state.vmId = args.inputs.vmId;
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "talos:machine/getConfiguration:getConfiguration")
          return { ...args.inputs, machineConfiguration: `version: v1alpha1\nmachine:\n  type: ${args.inputs.machineType}\n` };
        if (args.token === "talos:client/getConfiguration:getConfiguration")
          return { ...args.inputs, talosConfig: `context: ${args.inputs.clusterName}\n` };
        if (args.token === "talos:cluster/getHealth:getHealth") {
          if (mockBehaviour.healthFails) throw new Error("timeout waiting for nodes to be Ready");
          return { ...args.inputs, id: "healthy" };
        }
        return args.inputs;
      },
    },
    "homelab",
    "homelab",
    false,
  );
}

export function resolve<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((res) =>
    o.apply((v) => {
      res(v);
      return v;
    }),
  );
}

export type { RawRegistration };
export const rawRegistrations: RawRegistration[] = [];

/**
 * Preview mode, as on a fresh stack: a provider knows only the inputs it was given, so every output
 * it would compute (IDs, generated secrets, the factory's schematic ID) stays unknown, and invokes
 * with unknown arguments are not run.
 */
export function installPreviewMocks(): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        return { id: undefined, state: { ...args.inputs } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        return {};
      },
    },
    "homelab",
    "homelab",
    true,
  );
  recordRegistrations(settings, rawRegistrations);
}
