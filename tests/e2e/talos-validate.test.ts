// Talos's own code judges our patches, for every supported Talos minor: tools/talos-validate, built by
// tools/setup-tests.sh against that minor's machinery release, renders each node's full machine config from
// our patches the way the Talos provider does (config bundle + configpatcher) and validates it the way
// a node does on apply, in metal mode, strict.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { patchStrings } from "../../components/TalosNode";
import type { Plan, TalosMinor } from "../../core/plan/types";
import { nodePatchDocuments } from "../../core/talos/patches";
import { TALOS_MINORS, talosMachineryVersion, talosValidateBin } from "../helpers/judges";
import { stackPlan } from "../helpers/stacks";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
// the homelab stack as shipped runs 1.11; the others switch it to a release of that minor and a
// Kubernetes version that release supports
const RELEASES: Record<TalosMinor, { talos: string; kubernetes: string }> = {
  "1.11": { talos: "v1.11.5", kubernetes: "v1.34.1" },
  "1.12": { talos: "v1.12.1", kubernetes: "v1.35.0" },
  "1.13": { talos: "v1.13.0", kubernetes: "v1.36.0" },
};
const MODES = {
  vip: () => {},
  kubeprism: (c: Record<string, any>) => {
    c.endpoint = { mode: "kubeprism", dnsName: "k8s.home.arpa" };
  },
  haproxy: (c: Record<string, any>) => {
    c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.250", sshUser: "admin" } };
  },
};
type Mode = keyof typeof MODES;

function planFor(minor: TalosMinor, mode: Mode): Plan {
  return stackPlan(
    "homelab",
    (c) => {
      c.versions.talos = RELEASES[minor].talos;
      c.versions.kubernetes = RELEASES[minor].kubernetes;
      MODES[mode](c);
    },
    { secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: true } },
  );
}

interface NodeResult {
  name: string;
  warnings: string[];
  error?: string;
  config?: string;
}

function validate(minor: TalosMinor, plan: Plan, patchesOf = (n: Plan["nodes"][number]) => patchStrings(plan, n, SCHEMATIC)) {
  const request = {
    clusterName: plan.clusterName,
    clusterEndpoint: plan.endpoint.url,
    talosVersion: plan.talosVersion,
    kubernetesVersion: plan.kubernetesVersion,
    render: true,
    nodes: plan.nodes.map((n) => ({ name: n.name, type: n.role, patches: patchesOf(n) })),
  };
  const r = spawnSync(talosValidateBin(minor), [], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  assert.ok(r.status === 0 || r.status === 1, `talos-validate-${minor} could not judge the request (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, results: JSON.parse(r.stdout) as NodeResult[] };
}

/** The rendered config's documents, keyed by kind ("v1alpha1" for the machine config itself). */
function documents(config: string): Map<string, any> {
  return new Map(
    parseAllDocuments(config)
      .map((d) => d.toJSON())
      .map((d) => [d.kind ?? "v1alpha1", d] as [string, any]),
  );
}

for (const minor of TALOS_MINORS) {
  describe(`Talos ${minor} machinery (${talosMachineryVersion(minor)}) accepts every node's rendered config (metal, strict)`, () => {
    for (const mode of Object.keys(MODES) as Mode[]) {
      it(`${mode} mode`, () => {
        const plan = planFor(minor, mode);
        assert.equal(plan.talosMinor, minor);
        const out = validate(minor, plan);
        assert.deepEqual(
          out.results.map((r) => r.name),
          plan.nodes.map((n) => n.name),
        );
        for (const r of out.results) assert.deepEqual([r.error, r.warnings], [undefined, []], `${r.name}: ${r.error}`);
        assert.equal(out.status, 0);
        // the judged config is the full one: generated base plus our patches, not the patches alone
        for (const n of plan.nodes) {
          const docs = documents(out.results.find((r) => r.name === n.name)!.config!);
          const v1 = docs.get("v1alpha1");
          assert.equal(v1.machine.type, n.role, n.name);
          assert.equal(v1.cluster.controlPlane.endpoint, plan.endpoint.url, n.name);
          assert.ok(v1.machine.ca.crt && v1.cluster.token, `${n.name}: generated secrets are present`);
          assert.ok(JSON.stringify([...docs.values()]).includes(`"${n.ip}/24"`), `${n.name}: its static address`);
          const hostname = minor === "1.11" ? v1.machine.network.hostname : docs.get("HostnameConfig")?.hostname;
          assert.equal(hostname, n.name);
        }
      });
    }

    it("rejects an impossible address for exactly the node that has it", () => {
      const plan = planFor(minor, "vip");
      const broken = (n: Plan["nodes"][number]) =>
        patchStrings(plan, n, SCHEMATIC).map((p) => (n.name === "talos-wrk-01" ? p.replace("192.168.0.14/24", "192.168.0.314/24") : p));
      const out = validate(minor, plan, broken);
      assert.equal(out.status, 1);
      assert.deepEqual(
        out.results.filter((r) => r.error).map((r) => r.name),
        ["talos-wrk-01"],
      );
      assert.match(out.results.find((r) => r.name === "talos-wrk-01")!.error!, /192\.168\.0\.314/);
    });

    if (minor !== "1.11") {
      it("rejects a default route written as destination 0.0.0.0/0 (Talos's validation, not its YAML decoding)", () => {
        const plan = planFor(minor, "vip");
        const withDestination = (n: Plan["nodes"][number]) =>
          nodePatchDocuments(plan, n, SCHEMATIC).map((d: Record<string, any>) => {
            if (n.name === "talos-cp-02" && d.kind === "LinkConfig")
              d.routes = d.routes.map((r: object) => ({ destination: "0.0.0.0/0", ...r }));
            return stringify(d);
          });
        const out = validate(minor, plan, withDestination);
        assert.equal(out.status, 1);
        assert.deepEqual(
          out.results.filter((r) => r.error).map((r) => r.name),
          ["talos-cp-02"],
        );
        assert.match(
          out.results.find((r) => r.name === "talos-cp-02")!.error!,
          /^(?!loading patches).*LinkConfig\/eth0: route 0 destination/s,
        );
      });
    }
  });
}
