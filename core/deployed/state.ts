// What the stack's last successful `pulumi up` deployed. The program exports it as the stack output
// `deployed` and reads it back on the next run (a StackReference to its own stack), so rules can judge
// a change against the running cluster, not only against the new stack file.
import { Role } from "../rules/facts";
import { Plan } from "../plan/types";

export const DEPLOYED_OUTPUT = "deployed";

export interface DeployedNode { name: string; role: Role; ip: string }

export interface DeployedState {
  /** Talos version installed on the nodes */
  talosVersion?: string;
  /** Kubernetes version the control plane runs */
  kubernetesVersion?: string;
  /** Talos version the machine configs are generated for (the config contract) */
  configTalosVersion?: string;
  nodes?: DeployedNode[];
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);

/** Tolerant reader: an absent, older or hand-edited output gives only the fields it really has. */
export function parseDeployedState(value: unknown): DeployedState | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const nodes = Array.isArray(v.nodes)
    ? v.nodes.flatMap((n): DeployedNode[] => {
      const o = (n ?? {}) as Record<string, unknown>;
      const name = str(o.name), ip = str(o.ip);
      const role = o.role === "controlplane" || o.role === "worker" ? o.role : undefined;
      return name && ip && role ? [{ name, role, ip }] : [];
    })
    : undefined;
  return { talosVersion: str(v.talosVersion), kubernetesVersion: str(v.kubernetesVersion), configTalosVersion: str(v.configTalosVersion), nodes };
}

/** The `deployed` output of this run: what the cluster runs once this `pulumi up` succeeds. */
export function deployedStateOf(plan: Plan, configTalosVersion: string = plan.talosVersion): DeployedState {
  return {
    talosVersion: plan.talosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    configTalosVersion,
    nodes: plan.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip })),
  };
}
