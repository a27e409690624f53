// What the docs say about forwardKubeDNSToHost (docs/talos.md), held to the code: forwarding is off on every node
// of every minor, and the Cilium values leave `bpf.masquerade` unset, so Cilium runs with its chart
// default (off since 1.10; v1.18.4 install/kubernetes/cilium/templates/cilium-configmap.yaml renders
// enable-bpf-masquerade only when the value is set or upgradeCompatibility is below 1.10).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ciliumHelmValues } from "../../core/cilium/install";
import { nodePatchDocuments } from "../../core/talos/patches";
import { allDocs } from "../helpers/docs";
import { stackPlan } from "../helpers/stacks";

describe("host DNS forwarding and Cilium masquerading", () => {
  for (const stack of ["homelab", "lab"]) {
    it(`${stack}: every node keeps host DNS on and forwarding of kube-dns to it off`, () => {
      const plan = stackPlan(stack);
      for (const node of plan.nodes) {
        const features = nodePatchDocuments(plan, node, "0".repeat(64))
          .map((d: any) => d.machine?.features)
          .find(Boolean);
        assert.deepEqual(features?.hostDNS, { enabled: true, forwardKubeDNSToHost: false }, node.name);
      }
    });

    it(`${stack}: the Cilium values set no eBPF masquerading and no BPF host-routing switch`, () => {
      const keys = Object.keys(ciliumHelmValues(stackPlan(stack)));
      assert.deepEqual(
        keys.filter((k) => /masquerade|hostLegacyRouting/i.test(k)),
        [],
      );
    });
  }

  it("the docs say what the code does", () => {
    const docs = allDocs();
    assert.match(docs, /`forwardKubeDNSToHost: false`, set explicitly/);
    assert.match(docs, /The Cilium values here do not set `bpf\.masquerade`/);
  });
});
