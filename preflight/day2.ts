// Day-2 checks of the preflight: the change judged against what the stack last deployed (the same
// transition rules as the program), and whether a talosctl close enough to the cluster is available.
// The deployed state comes from a file (`--deployed deployed.json`, written by
// `pulumi stack output deployed --json > deployed.json`): the preflight stays offline and needs
// neither the engine nor the state backend's passphrase.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveContract } from "../core/deployed/contract";
import { findTalosctl } from "../core/day2/find-talosctl";
export { findTalosctl };
import { type DeployedState, parseDeployedState } from "../core/deployed/state";
import { transitionAdvisories, transitionProblems } from "../core/deployed/transitions";
import type { Finding } from "../core/rules/facts";
import type { ConfigProblem } from "../core/plan/problems";
import type { Plan } from "../core/plan/types";
import { minorsBetween, release } from "../core/versions";

export class DeployedFileError extends Error {}

export function readDeployed(file: string): DeployedState {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new DeployedFileError(`cannot read the deployed state ${file}: ${(e as Error).message}`);
  }
  const state = parseDeployedState(value);
  if (!state)
    throw new DeployedFileError(
      `${file} is not a \`deployed\` stack output (write it with \`pulumi stack output deployed --json > ${path.basename(file)}\`)`,
    );
  return state;
}

export function day2Checks(
  plan: Plan,
  deployed: DeployedState | undefined,
  talosctl: { path?: string; version?: string },
): { problems: ConfigProblem[]; advisories: Finding[]; notes: string[] } {
  const resolved = resolveContract(plan, deployed);
  const problems = transitionProblems(resolved, deployed);
  // edits the running cluster takes but that hurt, each with its key (core/deployed/changes.ts)
  const advisories = transitionAdvisories(resolved, deployed);
  const notes: string[] = [];
  if (deployed) {
    const steps = [
      deployed.talosVersion !== plan.talosVersion
        ? `Talos ${deployed.talosVersion} -> ${plan.talosVersion} (etcd snapshot, control planes one at a time, workers in batches of ${plan.upgrade.workerBatchSize})`
        : "",
      deployed.kubernetesVersion !== plan.kubernetesVersion ? `Kubernetes ${deployed.kubernetesVersion} -> ${plan.kubernetesVersion}` : "",
    ].filter(Boolean);
    if (steps.length)
      notes.push(`upgrade on the next \`pulumi up\`: ${steps.join("; ")}; machine configs stay on contract ${resolved.configTalosVersion}`);
  } else {
    notes.push(
      "no deployed state given: version steps and edits to the running cluster are not checked (pass `--deployed deployed.json`, from `pulumi stack output deployed --json`)",
    );
  }
  // talosctl supports one minor of skew each way; the roll talks to the old and the new release
  const cluster = [deployed?.talosVersion, plan.talosVersion].filter((v): v is string => !!v);
  if (!talosctl.path) {
    notes.push(
      "talosctl not found: upgrades and etcd snapshots need it; run `bash tools/toolchain/build-talosctl.sh` (or put a talosctl on PATH)",
    );
  } else {
    const t = talosctl.version ? release(talosctl.version) : undefined;
    const far = t
      ? cluster.filter((v) => {
          const c = release(v);
          return !c || Math.abs(minorsBetween(t, c)) > 1;
        })
      : cluster;
    if (far.length)
      notes.push(
        `talosctl ${talosctl.version ?? "(unknown version)"} at ${talosctl.path} is more than one minor from the cluster's Talos ${[...new Set(far)].join(", ")}: use a talosctl within one minor (set TALOSCTL, or TALOSCTL_VERSION in tools/versions.env)`,
      );
  }
  return { problems, advisories, notes };
}
