import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { patchStrings } from "../../components/TalosNode";
import type { Plan, TalosMinor } from "../../core/plan/types";
import { stackPlan } from "../helpers/stacks";
import { talosValidator } from "../helpers/talos-schema";

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

for (const minor of ["1.11", "1.12", "1.13"] as TalosMinor[]) {
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

    it("sets hostname, static address, nameservers and NTP servers", () => {
      const all = docs(planFor(minor), "talos-wrk-02");
      const flat = JSON.stringify(all);
      for (const s of [
        "talos-wrk-02",
        "192.168.0.15/24",
        "192.168.0.2",
        "192.168.0.3",
        "1.1.1.1",
        "time.cloudflare.com",
        "pool.ntp.org",
        "192.168.0.1",
      ]) {
        assert.ok(flat.includes(s), `${s} missing`);
      }
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
