// Entry point: stack config -> validated plan -> components. Nothing is created unless the whole
// plan is valid; every problem is reported at once with its config key and fix.
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as k8s from "./components/k8s";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "./components/ApiEndpoint";
import { kubernetesAddOns } from "./components/kubernetes-add-ons";
import { TalosCluster } from "./components/TalosCluster";
import { buildPlan, credentialEnv } from "./core/plan/build-plan";
import type { Plan } from "./core/plan/types";
import { formatProblems } from "./core/plan/problems";
import { namespaceValues, readPolicyConfig } from "./core/plan/stack-file";
import { DEPLOYED_OUTPUT, deployedStateOf, parseDeployedState } from "./core/deployed/state";
import {
  day2ToolProblems,
  nodeRemovalToolProblems,
  toolWarningForPreview,
  transitionAdvisories,
  transitionProblems,
} from "./core/deployed/transitions";
import { pendingFromProxmox, pendingVmReboots, vmRebootAdvice } from "./core/deployed/rollout";
import { readPendingReboots } from "./core/proxmox/pending";
import { spawnSync } from "node:child_process";
import { resolveContract } from "./core/deployed/contract";
import { findTalosctl } from "./core/day2/find-talosctl";
import { driftAdvice, lowestVersion, observeTalosVersions, talosDrift } from "./core/day2/observe";
import type { PemPair } from "./core/haproxy/health-check-cert";
import { outsidePreviewAdvice, previewFromOutside } from "./core/kubernetes/outside";

/** stack output: HAProxy's health-check certificate and key (secret) */
const HEALTH_CHECK_OUTPUT = "haproxyHealthCheck";

/** This stack itself, to read back the outputs of its last `pulumi up` (none on a new stack). */
let selfReference: pulumi.StackReference | undefined;
const self = () => (selfReference ??= new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`));

/** What the last `pulumi up` deployed (core/deployed/state.ts). */
async function lastDeployed() {
  const details = await self().getOutputDetails(DEPLOYED_OUTPUT);
  if (details.value !== undefined || details.secretValue !== undefined) return parseDeployedState(details.value ?? details.secretValue);
  // a stack last deployed by a version without `deployed` still lists its running nodes
  const nodes = await self().getOutputDetails("nodes");
  return nodes.value === undefined ? undefined : parseDeployedState({ nodes: nodes.value });
}

/**
 * What the nodes the last `up` deployed run now (core/day2/observe.ts), with the talosconfig that run
 * exported, and how many nodes were asked (0: none). None without a talosctl, without that output, or
 * with HOMELAB_SKIP_NODE_PROBE=1 (a pull-request preview from outside the network, where no node
 * answers anyway).
 */
async function runningVersions(
  deployed: NonNullable<Awaited<ReturnType<typeof lastDeployed>>>,
  talosctl: string | undefined,
  plan: { nodes: { name: string; ip: string; unreachable: boolean }[] },
) {
  const none = { asked: 0, versions: {} };
  if (!talosctl || process.env.HOMELAB_SKIP_NODE_PROBE === "1") return none;
  const details = await self().getOutputDetails("talosconfig");
  const talosconfig = details.secretValue ?? details.value;
  if (typeof talosconfig !== "string") return none;
  const names = new Set((deployed.nodes ?? []).map((n) => n.name));
  const asked = plan.nodes.filter((n) => names.has(n.name) && !n.unreachable);
  return { asked: asked.length, versions: await observeTalosVersions(asked, talosconfig, talosctl) };
}

/** HAProxy's health-check certificate as the last `up` delivered it (haproxy mode). */
async function lastHealthCheckCert(): Promise<PemPair | undefined> {
  const details = await self().getOutputDetails(HEALTH_CHECK_OUTPUT);
  const value = (details.secretValue ?? details.value) as Partial<PemPair> | undefined;
  return typeof value?.cert === "string" && typeof value.key === "string" ? { cert: value.cert, key: value.key } : undefined;
}

const config = new pulumi.Config("homelab");
// every key of the namespace, so that one nobody reads (a typo) is reported, not ignored
const allConfig = pulumi.runtime.allConfig();
const values = namespaceValues(allConfig);
const proxmoxApiToken = config.getSecret("proxmoxApiToken");
const haproxySshPrivateKey = config.getSecret("haproxySshPrivateKey");

const result = buildPlan({
  stack: pulumi.getStack(),
  config: values,
  otherKeys: Object.keys(allConfig).filter((k) => !k.startsWith("homelab:")),
  secretsPresent: { proxmoxApiToken: proxmoxApiToken !== undefined, haproxySshPrivateKey: haproxySshPrivateKey !== undefined },
  env: credentialEnv(process.env),
  policyConfig: readPolicyConfig(__dirname, pulumi.getStack()),
});
if (!result.ok) {
  // RunError: the engine prints the message alone, no stack trace, and no resource is registered.
  throw new pulumi.RunError(formatProblems(result.problems));
}
const validPlan = result.plan;
for (const f of result.findings) pulumi.log.warn(`${f.key}: ${f.message} (fix: ${f.fix})`);

/**
 * The plan is valid on its own; now judge the change against what is running (node removals, version
 * steps, tools, drift). Still nothing is created when this fails. Returns the plan with its contract
 * resolved, what is deployed (with the lowest running Talos version when a node drifted) and the VMs
 * the stack file says wait for a cold restart.
 */
async function judgeAgainstRunning() {
  const recorded = await lastDeployed();
  // the config contract defaults to the one the cluster was created with
  const plan = resolveContract(validPlan, recorded);
  const onPath = (tool: string) => spawnSync("/bin/sh", ["-c", `command -v ${tool}`]).status === 0;
  // the talosctl the day-2 steps and the removal script use ($TALOSCTL, the project's build, PATH), as
  // the preflight finds it: one that runs
  const talosctlPath = findTalosctl(__dirname).path;
  const talosctl = talosctlPath !== undefined;
  // a node that runs another Talos version than recorded (rolled back) is rolled again, and the
  // upgrade path is judged from the lowest version that runs
  const running = recorded ? await runningVersions(recorded, talosctlPath, plan) : { asked: 0, versions: {} };
  const drift = recorded ? talosDrift(recorded, running.versions) : [];
  const deployed =
    recorded && drift.length > 0
      ? { ...recorded, talosVersion: lowestVersion([recorded.talosVersion!, ...drift.map((d) => d.runs)]) }
      : recorded;
  const driftMessage = driftAdvice(drift, plan.talosVersion);
  if (driftMessage) pulumi.log.warn(driftMessage);
  const deploying = !pulumi.runtime.isDryRun();
  // a pull request's preview from outside the network: say what it cannot check (core/kubernetes/outside.ts)
  const declaredOutside = process.env.HOMELAB_SKIP_NODE_PROBE === "1";
  if (recorded && !deploying && previewFromOutside(declaredOutside, running.asked, Object.keys(running.versions).length)) {
    pulumi.log.warn(outsidePreviewAdvice(plan.endpoint.url, declaredOutside, process.env.PULUMI_K8S_CLIENT_TIMEOUT));
  }
  const removalTools = nodeRemovalToolProblems(plan, deployed, { talosctl, kubectl: onPath("kubectl") });
  const transition = [
    ...transitionProblems(plan, deployed),
    // the tools are needed where the removal runs (`pulumi up`); a preview only warns
    ...(deploying ? removalTools : []),
    ...day2ToolProblems({ talosctl }, deploying),
  ];
  if (transition.length > 0) throw new pulumi.RunError(formatProblems(transition));
  if (!deploying) for (const p of removalTools) pulumi.log.warn(toolWarningForPreview(p));
  // edits a running cluster takes but that hurt, each with its key (core/deployed/changes.ts)
  for (const f of transitionAdvisories(plan, deployed)) pulumi.log.warn(`${f.key}: ${f.message} (fix: ${f.fix})`);
  // VMs never restart themselves; say which ones wait for a cold restart and how to roll them. A preview
  // predicts it from the stack file; `pulumi up` asks Proxmox once the VMs are updated (below).
  const pendingReboots = pendingVmReboots(plan, deployed);
  const rebootAdvice = vmRebootAdvice(pendingReboots);
  if (rebootAdvice && !deploying) pulumi.log.warn(rebootAdvice);
  return { plan, deployed, drift, deploying, pendingReboots };
}

// What Proxmox lists as pending for each VM, read after every VM was created or updated: it stays
// listed until the VM was restarted, whatever the stack file says by then. Needs an API token (the
// provider's password login is not repeated here); without one, or if Proxmox does not answer, the
// VMs whose CPU or memory this run changed are listed instead, and the run says so.
function pendingRebootNames(
  plan: Plan,
  cluster: TalosCluster,
  fromStackFile: ReturnType<typeof pendingVmReboots>,
  deploying: boolean,
): pulumi.Output<string[]> {
  const vms = [...cluster.controlPlanes, ...cluster.workers].map((n) => n.vm.vm);
  const apiToken = proxmoxApiToken ?? (process.env.PROXMOX_VE_API_TOKEN ? pulumi.secret(process.env.PROXMOX_VE_API_TOKEN) : undefined);
  const proxmoxEndpoint = plan.proxmox.endpoint || process.env.PROXMOX_VE_ENDPOINT || "";
  return !deploying || !apiToken || !proxmoxEndpoint
    ? pulumi.output(fromStackFile).apply((p) => {
        if (deploying) {
          pulumi.log.warn(
            "pendingVmReboots: no Proxmox API token to read the VMs' pending changes with; it lists the VMs whose CPU or memory this run changed",
          );
          const advice = vmRebootAdvice(p);
          if (advice) pulumi.log.warn(advice);
        }
        return p.map((x) => x.name);
      })
    : pulumi.unsecret(
        pulumi.all([apiToken, ...vms.map((v) => v.nodeName)]).apply(async ([token]) => {
          let pending = fromStackFile;
          try {
            pending = pendingFromProxmox(
              plan,
              await readPendingReboots(
                { endpoint: proxmoxEndpoint, apiToken: token as string, insecure: plan.proxmox.insecure },
                plan.nodes.map((n) => ({ name: n.name, node: n.host, vmId: n.vmId })),
              ),
            );
          } catch (e) {
            pulumi.log.warn(
              `pendingVmReboots: could not read the VMs' pending changes from Proxmox (${(e as Error).message}); it lists the VMs whose CPU or memory this run changed`,
            );
          }
          const advice = vmRebootAdvice(pending);
          if (advice) pulumi.log.warn(advice);
          return pending.map((p) => p.name);
        }),
      );
}

async function main() {
  const { plan, deployed, drift, deploying, pendingReboots } = await judgeAgainstRunning();

  const proxmoxProvider = new proxmox.Provider("proxmox", {
    endpoint: plan.proxmox.endpoint || undefined,
    insecure: plan.proxmox.insecure,
    // from config when set, otherwise the provider reads PROXMOX_VE_API_TOKEN / _USERNAME / _PASSWORD
    apiToken: proxmoxApiToken,
  });

  // HAProxy's health-check certificate, kept from the last run until it is due for renewal
  const previousHealthCheckCert = plan.endpoint.mode === "haproxy" ? await lastHealthCheckCert() : undefined;
  let apiEndpoint!: ApiEndpoint;
  const cluster = new TalosCluster(plan.clusterName, {
    plan,
    proxmoxProvider,
    deployed,
    drift,
    endpoint: (secrets) =>
      (apiEndpoint = new ApiEndpoint("api", {
        endpoint: plan.endpoint,
        controlPlanes: plan.controlPlanes,
        sshPrivateKey: haproxySshPrivateKey,
        previousHealthCheckCert,
        kubernetesCa: secrets.machineSecrets.certs.k8s,
      })).ready,
  });

  const kubernetesProvider = new k8s.Provider("cluster", {
    kubeconfig: pulumi.secret(pulumi.all([cluster.kubeconfig, cluster.healthy]).apply(([kc]) => kc)),
    enableServerSideApply: true,
  });
  kubernetesAddOns(plan, kubernetesProvider);

  const pendingNames = pendingRebootNames(plan, cluster, pendingReboots, deploying);

  return {
    apiEndpointUrl: apiEndpoint.url,
    endpointMode: plan.endpoint.mode,
    kubeconfig: cluster.kubeconfig,
    talosconfig: cluster.talosconfig,
    nodes: plan.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, vmId: n.vmId, host: n.host })),
    machineConfigHashes: Object.fromEntries([...cluster.controlPlanes, ...cluster.workers].map((n) => [n.node.name, n.configHash])),
    // VMs with pending hardware changes and nodes with a staged config: roll them one at a time
    pendingVmReboots: pendingNames,
    // read back by the next run; a secret (it holds HAProxy's client key)
    ...(apiEndpoint.healthCheckCert ? { [HEALTH_CHECK_OUTPUT]: apiEndpoint.healthCheckCert } : {}),
    stagedConfigs: cluster.stagedNodes,
    // read back by the next run (lastDeployed); resolves only once the upgrade roll finished too, so a
    // stopped roll leaves the previous versions recorded
    [DEPLOYED_OUTPUT]: pulumi
      .all([cluster.configHashes, cluster.applyModes, cluster.configInputHashes, cluster.healthy, cluster.upgrade.done])
      .apply(([machineConfigHashes, applyModes, configInputHashes, health]) => ({
        ...deployedStateOf(plan),
        machineConfigHashes,
        applyModes,
        configInputHashes,
        // a run that removed nodes left the health check to the next one
        ...(health === "after-removal" ? { healthCheckPending: true } : {}),
      })),
  };
}

// Stack outputs are what main() returns.
export = main;
