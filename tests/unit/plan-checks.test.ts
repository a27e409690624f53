// The plan pipeline: every registered check can fire and files what it finds under its own key, each
// runs once (nothing is reported twice, so nothing needs hiding), and a shape error in one value hides
// no check of another.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../core/plan/build-plan";
import { CHECKS, runChecks } from "../../core/plan/checks";
import type { PlanInputs } from "../../core/plan/inputs";
import { parseConfig } from "../../core/plan/parse";
import { problemsOf, stackInputs } from "../helpers/stacks";

type Case = { mutate: (c: Record<string, any>) => void; input?: Partial<PlanInputs> };
const haproxy = (hp: Record<string, unknown>) => (c: Record<string, any>) => {
  c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.250", ...hp } };
};

/** Per config key, inputs that each check of that key refuses. */
const FIRES: Record<string, Case[]> = {
  "versions.talos": [{ mutate: (c) => (c.versions.talos = "v1.10.4") }],
  "versions.kubernetes": [{ mutate: (c) => (c.versions.kubernetes = "v1.36.0") }],
  "versions.talosConfig": [{ mutate: (c) => (c.versions.talosConfig = "v1.12.0") }],
  "versions.cilium": [{ mutate: (c) => (c.versions.cilium = "1.14.0") }],
  "etcdBackup.schedule": [{ mutate: (c) => (c.etcdBackup = { schedule: "61 * * * *" }) }],
  "image.factoryUrl": [{ mutate: (c) => (c.image = { factoryUrl: "ftp://factory.example" }) }],
  "image.extensions": [{ mutate: (c) => (c.image = { extensions: ["siderolabs/iscsi-tools", "siderolabs/iscsi-tools"] }) }],
  "proxmox.endpoint": [{ mutate: (c) => delete c.proxmox.endpoint }],
  proxmoxApiToken: [{ mutate: () => {}, input: { secretsPresent: { proxmoxApiToken: false, haproxySshPrivateKey: false } } }],
  "proxmox.hosts": [
    { mutate: (c) => c.proxmox.hosts.push({ ...c.proxmox.hosts[0] }) },
    { mutate: (c) => (c.proxmox.hosts[0].imageDatastore = "local-lvm") },
  ],
  "proxmox.sharedDatastores": [{ mutate: (c) => (c.proxmox.sharedDatastores = ["local"]) }],
  "network.subnet": [{ mutate: (c) => (c.network.subnet = "192.168.0.5/24") }, { mutate: (c) => (c.network.subnet = "127.0.0.0/24") }],
  "network.podCidr": [
    { mutate: (c) => (c.network.podCidr = "10.20.5.0/16") },
    { mutate: (c) => (c.network.podCidr = "169.254.0.0/16") },
    { mutate: (c) => (c.network.podCidr = "10.20.0.0/23") },
  ],
  "network.serviceCidr": [
    { mutate: (c) => (c.network.serviceCidr = "10.96.0.1/12") },
    { mutate: (c) => (c.network.serviceCidr = "240.0.0.0/12") },
    { mutate: (c) => (c.network.serviceCidr = "10.96.0.0/30") },
  ],
  "network.dns": [{ mutate: (c) => (c.network.dns = ["1.1.1.1", "1.1.1.1"]) }],
  "network.ntp": [
    { mutate: (c) => (c.network.ntp = ["time_x.example.com"]) },
    { mutate: (c) => (c.network.ntp = ["pool.ntp.org", "POOL.ntp.org"]) },
  ],
  lbPool: [{ mutate: (c) => (c.lbPool = { start: "192.168.0.210", stop: "192.168.0.201" }) }],
  "endpoint.vip": [{ mutate: (c) => (c.endpoint = { mode: "kubeprism", vip: "192.168.0.200" }) }],
  "endpoint.haproxy": [{ mutate: (c) => (c.endpoint = { mode: "haproxy" }) }, { mutate: haproxy({ host: "192.168.0.12" }) }],
  haproxySshPrivateKey: [{ mutate: haproxy({}) }],
  "endpoint.dnsName": [{ mutate: (c) => (c.endpoint = { mode: "kubeprism", dnsName: "k8s..home.arpa" }) }],
  "endpoint.haproxy.sshPort": [{ mutate: haproxy({ sshPort: 6443 }) }],
  "endpoint.haproxy.listenAddress": [{ mutate: haproxy({ listenAddress: "0.0.0.0" }) }],
  kubePrismPort: [{ mutate: (c) => (c.kubePrismPort = 6443) }],
  nodes: [
    { mutate: (c) => (c.nodes[0].host = "pve9") },
    {
      mutate: (c) => {
        c.nodes[3].mac = "BC:24:11:00:00:01";
        c.nodes[4].mac = "bc:24:11:00:00:01";
      },
    },
    { mutate: (c) => (c.nodes[3].mac = "01:00:5E:00:00:01") },
    {
      mutate: (c) => {
        c.nodes[0].unreachable = true;
        c.nodes[1].unreachable = true;
      },
    },
  ],
};

function inputsOf(k: Case): PlanInputs {
  const input = { ...stackInputs("homelab"), ...k.input };
  k.mutate(input.config as Record<string, any>);
  return input;
}

describe("the registry of checks", () => {
  it("the reference stacks pass every check", () => {
    for (const stack of ["homelab", "lab"]) {
      const input = stackInputs(stack);
      assert.deepEqual(runChecks(parseConfig(input).wellFormed, input), [], stack);
    }
  });

  CHECKS.forEach((check, i) => {
    it(`check ${i} (${check.key}, ${check.run.name || "anonymous"}) fires, files under its key, names a fix, and buildPlan reports it`, () => {
      const fired = (FIRES[check.key] ?? []).flatMap((k) => {
        const input = inputsOf(k);
        const found = runChecks(parseConfig(input).wellFormed, input, [check]);
        return found.length ? [{ found, reported: (buildPlan(input) as { problems?: unknown[] }).problems ?? [] }] : [];
      });
      assert.ok(fired.length > 0, `no input in FIRES["${check.key}"] makes this check fire`);
      for (const { found, reported } of fired) {
        for (const p of found) {
          assert.ok(p.key === `homelab:${check.key}` || /^[[.]/.test(p.key.slice(`homelab:${check.key}`.length)), p.key);
          assert.ok(p.fix.length > 10, `${p.key}: no fix`);
          assert.ok(
            reported.some((r) => (r as { key: string; message: string }).key === p.key && (r as { message: string }).message === p.message),
            `buildPlan does not report ${p.key}: ${p.message}`,
          );
        }
      }
    });
  });

  it("nothing is reported twice (no dedupe hides a second check of the same thing)", () => {
    for (const [key, cases] of Object.entries(FIRES)) {
      for (const k of cases) {
        const r = buildPlan(inputsOf(k));
        const seen = r.ok ? [] : r.problems.map((p) => `${p.key}|${p.message}`);
        assert.equal(new Set(seen).size, seen.length, `${key}: ${seen.join("\n")}`);
      }
    }
  });
});

describe("each value is judged once", () => {
  it("an NTP name: one problem, not one per check that looks at names", () => {
    const ps = problemsOf((c) => (c.network.ntp = ["time_x.example.com", "pool.ntp.org"]));
    assert.deepEqual(
      ps.filter((p) => p.key.startsWith("homelab:network.ntp")).map((p) => [p.key, p.message]),
      [["homelab:network.ntp[0]", '"time_x.example.com" has the label "time_x": use letters, digits and \'-\', not at either end']],
    );
  });
  it("the endpoint's DNS name: one problem", () => {
    const ps = problemsOf((c) => (c.endpoint = { mode: "kubeprism", dnsName: "k8s_api.home.arpa" }));
    assert.equal(ps.filter((p) => p.key === "homelab:endpoint.dnsName").length, 1);
  });
  it("a malformed Talos version is one problem, not also one of the config contract", () => {
    const ps = problemsOf((c) => (c.versions.talos = "latest"));
    assert.deepEqual(
      ps.map((p) => [p.key, p.message]),
      [["homelab:versions.talos", '"latest" is not a version']],
    );
  });
});

describe("typed values and well-formed parts", () => {
  it("an address is an IPv4 format of the schema, with the fix the schema declares for that key", () => {
    const ps = problemsOf((c) => {
      c.network.gateway = "192.168.0";
      c.lbPool.start = "192.168.0.300";
      c.endpoint.mode = "carrier-pigeon";
    });
    const at = (key: string) => ps.find((p) => p.key === key);
    assert.deepEqual(at("homelab:network.gateway"), {
      key: "homelab:network.gateway",
      message: '"192.168.0" is not an IPv4 address',
      fix: "write the router address, e.g. 192.168.0.1",
    });
    assert.equal(at("homelab:lbPool.start")?.fix, "write an address of the node subnet, e.g. 192.168.0.201");
    assert.equal(at("homelab:endpoint.mode")?.fix, "write one of: vip, kubeprism, haproxy");
  });
  it("a malformed gateway hides no check or rule of the pod CIDR, the DNS list or the nodes", () => {
    const ps = problemsOf((c) => {
      c.network.gateway = "x";
      c.network.podCidr = "10.20.5.0/16";
      c.network.dns = ["1.1.1.1", "1.1.1.1"];
      c.nodes[0].host = "pve9";
    });
    assert.deepEqual(ps.map((p) => p.key).sort(), [
      "homelab:network.dns", // the dns-servers rule: one distinct resolver
      "homelab:network.dns[1]",
      "homelab:network.gateway",
      "homelab:network.podCidr",
      "homelab:nodes[0].host",
    ]);
  });
});

describe("the shared rules on a config that does not parse", () => {
  it("decide what the well-formed parts show: a VM ID used twice, next to three malformed values", () => {
    const ps = problemsOf((c) => {
      c.network.subnet = "192.168.0.0/33";
      Object.assign(c.nodes[1], { ip: "192.168.0.300", vmId: 1011 });
      c.endpoint.mode = "anycast";
    });
    const keys = ps.map((p) => p.key);
    for (const k of ["homelab:network.subnet", "homelab:nodes[1].ip", "homelab:endpoint.mode"]) assert.ok(keys.includes(k), k);
    assert.ok(
      ps.some(
        (p) => p.key === "homelab:nodes" && /VM ID 1011 is used by nodes\[0\] \(talos-cp-01\), nodes\[1\] \(talos-cp-02\)/.test(p.message),
      ),
      JSON.stringify(ps),
    );
  });
  it("wait for what is malformed: a node whose role or size did not parse is not counted or sized", () => {
    const ps = problemsOf((c) => {
      c.nodes[1].role = "master";
      c.nodes[2].cpu = "four";
      c.network.dns = ["1.1.1.1", "not-an-address"];
    });
    assert.deepEqual(ps.map((p) => p.key).sort(), ["homelab:network.dns[1]", "homelab:nodes[1].role", "homelab:nodes[2].cpu"]);
  });
  it("say nothing of nodes when the list itself is the schema's problem", () => {
    for (const nodes of [[], "talos-cp-01", undefined]) {
      const ps = problemsOf((c) => (c.nodes = nodes));
      assert.deepEqual(
        ps.map((p) => p.key),
        ["homelab:nodes"],
        JSON.stringify(ps),
      );
    }
  });
});
