// The Kubernetes side of the program (index.ts), alone: the plan from the stack file exactly as index.ts
// builds it, then the same Kubernetes provider arguments and the same components (CiliumLbPool,
// EtcdBackupSchedule). tests/helpers/kubernetes-engine.ts runs it through the real Pulumi CLI with the
// real Kubernetes provider plugin against a real API server; the kubeconfig of that API server comes in
// TEST_KUBECONFIG (where index.ts takes the one Talos hands out once the cluster is healthy). The
// Proxmox and Talos sides are left out: nothing here can stand for them faithfully enough to deploy.
// tests/e2e/kubernetes-engine.test.ts checks that index.ts still passes these same arguments.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesAddOns } from "../../components/kubernetes-add-ons";
import { buildPlan, credentialEnv } from "../../core/plan/build-plan";
import { formatProblems } from "../../core/plan/problems";
import { namespaceValues, readPolicyConfig } from "../../core/plan/stack-file";

const kubeconfig = process.env.TEST_KUBECONFIG;
if (!kubeconfig) throw new pulumi.RunError("TEST_KUBECONFIG is not set (tests/helpers/kubernetes-engine.ts sets it)");

const allConfig = pulumi.runtime.allConfig();
const result = buildPlan({
  stack: pulumi.getStack(),
  config: namespaceValues(allConfig),
  otherKeys: Object.keys(allConfig).filter((k) => !k.startsWith("homelab:")),
  // the Proxmox side is not deployed here; its credential is taken as present
  secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: false },
  env: credentialEnv(process.env),
  policyConfig: readPolicyConfig(process.cwd(), pulumi.getStack()),
});
if (!result.ok) throw new pulumi.RunError(formatProblems(result.problems));
const plan = result.plan;

// as in index.ts (tests/e2e/kubernetes-engine.test.ts checks that index.ts makes the same calls)
const kubernetesProvider = new k8s.Provider("cluster", {
  kubeconfig: pulumi.secret(kubeconfig),
  enableServerSideApply: true,
});
kubernetesAddOns(plan, kubernetesProvider);
