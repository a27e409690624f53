import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { patchStrings } from "../../components/TalosNode";
import type { Plan, TalosMinor } from "../../core/plan/types";
import { SUPPORTED_TALOS } from "../../core/versions";
import { talosSchemaFile } from "../helpers/judges";
import { PROJECT_DIR, stackPlan } from "../helpers/stacks";
import { talosValidator } from "../helpers/talos-schema";

/** The reference stack file as written (the outside fact the patches must carry). */
const STACK = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), "utf8")).config;
const STACK_NETWORK = STACK["homelab:network"];
const STACK_NODES: { name: string; ip: string }[] = STACK["homelab:nodes"];

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
const VERSIONS: Record<TalosMinor, [string, string]> = {
  "1.11": ["v1.11.5", "v1.34.1"],
  "1.12": ["v1.12.1", "v1.35.0"],
  "1.13": ["v1.13.0", "v1.36.0"],
};

function planFor(minor: TalosMinor, mode: "vip" | "kubeprism" = "vip"): Plan {
  return stackPlan("homelab", (c) => {
    [c.versions.talos, c.versions.kubernetes] = VERSIONS[minor];
    if (mode === "kubeprism") c.endpoint = { mode: "kubeprism", dnsName: "k8s.home.arpa" };
  });
}

/** The documents the Talos provider receives for a node: YAML strings parsed back. */
function docs(plan: Plan, name: string): Record<string, any>[] {
  const node = plan.nodes.find((n) => n.name === name)!;
  return patchStrings(plan, node, SCHEMATIC).map((s) => parse(s));
}

for (const minor of SUPPORTED_TALOS) {
  describe(`Talos ${minor} patches`, () => {
    for (const mode of ["vip", "kubeprism"] as const) {
      it(`validate against the Talos ${minor} schema for every node (${mode} mode)`, () => {
        const plan = planFor(minor, mode);
        const validate = talosValidator(minor);
        let count = 0;
        for (const n of plan.nodes) {
          for (const doc of docs(plan, n.name)) {
            const errors = validate(doc);
            assert.deepEqual(errors, [], `${n.name} ${doc.kind ?? "v1alpha1"}: ${errors.join("; ")}`);
            count++;
          }
        }
        assert.ok(count >= plan.nodes.length);
      });
    }

    it("puts the VIP only in control-plane patches, and only in vip mode", () => {
      const vipText = "192.168.0.200";
      const plan = planFor(minor);
      for (const n of plan.nodes) {
        const text = JSON.stringify(
          docs(plan, n.name).map((d) => ({
            ...d,
            machine: { ...d.machine, certSANs: undefined },
            cluster: { ...d.cluster, apiServer: undefined },
          })),
        );
        assert.equal(text.includes(vipText), n.role === "controlplane", `${n.name}`);
      }
      const kp = planFor(minor, "kubeprism");
      for (const n of kp.nodes) assert.ok(!JSON.stringify(docs(kp, n.name)).includes(vipText), `${n.name} in kubeprism mode`);
    });

    it("uses the VIP form this Talos version accepts", () => {
      const all = docs(planFor(minor), "talos-cp-01");
      const l2 = all.filter((d) => d.kind === "Layer2VIPConfig");
      if (minor === "1.11") {
        assert.equal(l2.length, 0);
        assert.equal(all[0].machine.network.interfaces[0].vip.ip, "192.168.0.200");
      } else {
        assert.deepEqual(
          l2.map((d) => [d.name, d.link]),
          [["192.168.0.200", "eth0"]],
        );
        assert.equal(all[0].machine.network, undefined);
      }
    });

    it("sets hostname, static address, default route, nameservers and NTP servers where Talos reads them", () => {
      // expected: the stack file's own rows (not the plan built from them), at the paths of Talos's config
      const all = docs(planFor(minor), "talos-wrk-02");
      const row = STACK_NODES.find((n) => n.name === "talos-wrk-02")!;
      const address = `${row.ip}/${STACK_NETWORK.subnet.split("/")[1]}`;
      if (minor === "1.11") {
        // v1alpha1: machine.network (hostname, nameservers, interfaces[].addresses and routes), machine.time
        const { network, time } = all[0].machine;
        assert.equal(network.hostname, row.name);
        assert.deepEqual(network.nameservers, STACK_NETWORK.dns);
        assert.equal(network.interfaces[0].interface, STACK_NETWORK.interface);
        assert.deepEqual(network.interfaces[0].addresses, [address]);
        assert.deepEqual(network.interfaces[0].routes, [{ network: "0.0.0.0/0", gateway: STACK_NETWORK.gateway }]);
        assert.deepEqual(time.servers, STACK_NETWORK.ntp);
        return;
      }
      // 1.12+: one document of each kind, machine.network gone
      const only = (kind: string) => {
        const found = all.filter((d) => d.kind === kind);
        assert.equal(found.length, 1, kind);
        return found[0];
      };
      assert.equal(all[0].machine.network, undefined);
      assert.equal(only("HostnameConfig").hostname, row.name);
      assert.deepEqual(
        only("ResolverConfig").nameservers,
        STACK_NETWORK.dns.map((a: string) => ({ address: a })),
      );
      assert.deepEqual(only("TimeSyncConfig").ntp.servers, STACK_NETWORK.ntp);
      const link = only("LinkConfig");
      assert.equal(link.name, STACK_NETWORK.interface);
      assert.deepEqual(link.addresses, [{ address }]);
      // the gateway alone is the default route: Talos's own schema says so of a route without destination
      assert.deepEqual(link.routes, [{ gateway: STACK_NETWORK.gateway }]);
      const routeDoc = JSON.parse(fs.readFileSync(talosSchemaFile(minor), "utf8")).$defs["network.RouteConfig"];
      assert.match(routeDoc.properties.destination.description, /If not specified, a default route will be created/);
    });

    it("sets install disk and installer image of the schematic, CIDRs, CNI none, no kube-proxy, KubePrism, host DNS", () => {
      const [v1] = docs(planFor(minor), "talos-cp-02");
      assert.equal(v1.machine.install.disk, "/dev/sda");
      assert.equal(v1.machine.install.image, `factory.talos.dev/nocloud-installer/${SCHEMATIC}:${VERSIONS[minor][0]}`);
      assert.deepEqual(v1.cluster.network.podSubnets, ["10.20.0.0/16"]);
      assert.deepEqual(v1.cluster.network.serviceSubnets, ["10.96.0.0/12"]);
      assert.equal(v1.cluster.network.cni.name, "none");
      assert.equal(v1.cluster.proxy.disabled, true);
      assert.deepEqual(v1.machine.features.kubePrism, { enabled: true, port: 7445 });
      assert.equal(typeof v1.machine.features.hostDNS.forwardKubeDNSToHost, "boolean");
    });
  });
}

describe("the schema judge is strict", () => {
  it("rejects the Talos 1.11 network form under the 1.13 schema", () => {
    const [v1] = docs(planFor("1.11"), "talos-cp-01");
    const errors = talosValidator("1.13")(v1);
    assert.ok(errors.length > 0, "machine.network must not validate against 1.13");
  });
  it("rejects a Layer2VIPConfig without its required name", () => {
    assert.ok(talosValidator("1.12")({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", link: "eth0" }).length > 0);
  });
});
