// The real Pulumi CLI with the real Kubernetes provider plugin (built by
// tools/toolchain/build-kubernetes-provider.sh into .toolchain/test-plugins, installed here only into a
// throwaway PULUMI_HOME, under the version @pulumi/kubernetes asks for) on a throwaway copy of the
// project whose program is tests/helpers/kubernetes-program.ts: the Kubernetes side of index.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { type Project, sdkPlugin, tempProject, toolchainMissing } from "../e2e/engine";
import { PROJECT_DIR } from "./stacks";

const K8S = sdkPlugin("@pulumi/kubernetes");
export const KUBERNETES_PLUGIN_DIR = path.join(PROJECT_DIR, ".toolchain", "test-plugins", `resource-${K8S.name}-v${K8S.version}`);

/** What the real-provider tier lacks, each naming the setup step that provides it (empty: all there). */
export function kubernetesEngineMissing(): string[] {
  const missing: string[] = [];
  if (toolchainMissing) missing.push(`${toolchainMissing} (tools/toolchain/build-pulumi-cli.sh, build-language-nodejs.sh)`);
  if (!fs.existsSync(path.join(KUBERNETES_PLUGIN_DIR, `pulumi-resource-${K8S.name}`))) {
    missing.push(
      `the real Kubernetes provider plugin ${K8S.version} is not built (${path.relative(PROJECT_DIR, KUBERNETES_PLUGIN_DIR)}): run tools/setup-tests.sh (npm test runs it first; it calls tools/toolchain/build-kubernetes-provider.sh)`,
    );
  }
  return missing;
}

/** The commit the installed plugin was really built from (its .homelab-build marker). */
export function kubernetesPluginBuild(): Record<string, string> {
  const text = fs.readFileSync(path.join(KUBERNETES_PLUGIN_DIR, ".homelab-build"), "utf8");
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

export interface KubernetesProject extends Project {
  /** rewrites Pulumi.<stack>.yaml with this config map */
  writeStack(stack: string, config: Record<string, unknown>): void;
  /** `pulumi up --yes --skip-preview` (or another command) with the API server's kubeconfig */
  pulumi(args: string[]): { status: number | null; output: string };
}

/** A throwaway project running the Kubernetes side of the program against `kubeconfig`. */
export function kubernetesProject(kubeconfig: string): KubernetesProject {
  const missing = kubernetesEngineMissing();
  if (missing.length > 0) throw new Error(`the real Kubernetes provider tier cannot run:\n- ${missing.join("\n- ")}`);
  const p = tempProject();
  // the program: tests/helpers/kubernetes-program.ts at the same relative path, so its imports resolve
  fs.mkdirSync(path.join(p.dir, "tests", "helpers"), { recursive: true });
  fs.copyFileSync(
    path.join(PROJECT_DIR, "tests", "helpers", "kubernetes-program.ts"),
    path.join(p.dir, "tests", "helpers", "kubernetes-program.ts"),
  );
  fs.writeFileSync(path.join(p.dir, "index.ts"), `import "./tests/helpers/kubernetes-program";\n`);
  // a plugin home with the real Kubernetes plugin only (the program uses no other provider)
  const home = path.join(p.dir, ".pulumi-home");
  const d = path.join(home, "plugins", `resource-${K8S.name}-v${K8S.version}`);
  fs.mkdirSync(d, { recursive: true });
  fs.symlinkSync(path.join(KUBERNETES_PLUGIN_DIR, `pulumi-resource-${K8S.name}`), path.join(d, `pulumi-resource-${K8S.name}`));
  p.env.PULUMI_HOME = home;
  const kubeconfigFile = path.join(p.dir, "kubeconfig");
  fs.writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
  const env = {
    TEST_KUBECONFIG: kubeconfig,
    // the provider must use the kubeconfig it is given, never one of the machine running the tests
    KUBECONFIG: kubeconfigFile,
  };
  return {
    ...p,
    writeStack(stack, config) {
      fs.writeFileSync(path.join(p.dir, `Pulumi.${stack}.yaml`), stringifyYaml({ config }));
    },
    pulumi(args) {
      const r = p.run(args, env);
      return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}` };
    },
  };
}
