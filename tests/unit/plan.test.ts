import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { buildPlan } from "../../core/plan/build-plan";
import { formatProblems } from "../../core/plan/problems";
import { rawConfigSchema } from "../../core/plan/raw-config";
import { namespaceValues } from "../../core/plan/stack-file";
import { problemsOf, PROJECT_DIR, stackInputs, stackPlan } from "../helpers/stacks";

const keys = (ps: { key: string }[]) => ps.map((p) => p.key);

describe("homelab reference plan", () => {
  const plan = stackPlan("homelab");
  it("has 3 control planes and 4 workers with the reference names and IPs", () => {
    assert.deepEqual(
      plan.controlPlanes.map((n) => [n.name, n.ip]),
      [
        ["talos-cp-01", "192.168.0.11"],
        ["talos-cp-02", "192.168.0.12"],
        ["talos-cp-03", "192.168.0.13"],
      ],
    );
    assert.deepEqual(
      plan.workers.map((n) => [n.name, n.ip]),
      [
        ["talos-wrk-01", "192.168.0.14"],
        ["talos-wrk-02", "192.168.0.15"],
        ["talos-wrk-03", "192.168.0.16"],
        ["talos-wrk-04", "192.168.0.17"],
      ],
    );
  });
  it("sizes nodes as the reference plan says", () => {
    assert.deepEqual(
      plan.controlPlanes.map((n) => [n.cpu, n.memoryGiB, n.osDiskGB]),
      [
        [4, 8, 50],
        [4, 8, 50],
        [4, 8, 50],
      ],
    );
    assert.deepEqual(
      plan.workers.map((n) => [n.cpu, n.memoryGiB, n.dataDisksGB]),
      [
        [8, 32, [500]],
        [8, 32, [500]],
        [8, 16, [250]],
        [8, 16, [250]],
      ],
    );
  });
  it("gives workers a data disk separate from the OS disk", () => {
    for (const w of plan.workers)
      assert.deepEqual(
        w.disks.map((d) => [d.slot, d.purpose]),
        [
          ["scsi0", "os"],
          ["scsi1", "data"],
        ],
      );
    for (const c of plan.controlPlanes)
      assert.deepEqual(
        c.disks.map((d) => d.purpose),
        ["os"],
      );
  });
  it("uses the VIP endpoint and control-plane IPs for talosconfig", () => {
    assert.equal(plan.endpoint.url, "https://192.168.0.200:6443");
    assert.deepEqual(plan.talosEndpoints, ["192.168.0.11", "192.168.0.12", "192.168.0.13"]);
    assert.equal(plan.bootstrapNode.name, "talos-cp-01");
  });
  it("starts control planes before workers", () => {
    assert.ok(Math.max(...plan.controlPlanes.map((n) => n.startupOrder)) < Math.min(...plan.workers.map((n) => n.startupOrder)));
  });
  it("carries networks, versions and the Cilium API version", () => {
    assert.equal(plan.network.podCidr, "10.20.0.0/16");
    assert.equal(plan.network.serviceCidr, "10.96.0.0/12");
    assert.deepEqual(plan.lbPool, { start: "192.168.0.201", stop: "192.168.0.210" });
    assert.equal(plan.talosMinor, "1.11");
    assert.match(plan.kubernetesVersion, /^v1\.34\./);
    assert.equal(plan.cilium.lbPoolApiVersion, "cilium.io/v2");
    assert.equal(plan.kubePrismPort, 7445);
  });
});

describe("small lab stack", () => {
  it("plans with one control plane because its policy config allows it", () => {
    const plan = stackPlan("lab");
    assert.equal(plan.controlPlanes.length, 1);
    assert.equal(plan.endpoint.mode, "kubeprism");
    assert.equal(plan.endpoint.url, "https://10.10.10.11:6443");
    assert.equal(plan.nodes[0].host, "pve-lab", "the only host is the default");
  });
  it("is refused under the homelab policy config", () => {
    const inputs = stackInputs("lab", { policyConfig: stackInputs("homelab").policyConfig });
    const r = buildPlan(inputs);
    assert.equal(r.ok, false);
  });
});

describe("bad input: every problem at once, each with its key and a fix", () => {
  it("reports malformed IPs, CIDRs and versions together", () => {
    const ps = problemsOf((c) => {
      c.network.subnet = "192.168.0.0/33";
      c.network.gateway = "192.168.0";
      c.nodes[0].ip = "192.168.0.300";
      c.versions.talos = "latest";
      c.network.podCidr = "10.20.0.0";
    });
    for (const k of [
      "homelab:network.subnet",
      "homelab:network.gateway",
      "homelab:nodes[0].ip",
      "homelab:versions.talos",
      "homelab:network.podCidr",
    ]) {
      assert.ok(keys(ps).includes(k), `missing ${k} in ${keys(ps)}`);
    }
    for (const p of ps) assert.ok(p.fix.length > 5, `no fix for ${p.key}`);
  });
  it("rejects a node IP outside the subnet, or equal to gateway, VIP, network or broadcast address", () => {
    for (const [ip, word] of [
      ["10.0.0.5", "outside"],
      ["192.168.0.1", "gateway"],
      ["192.168.0.200", "VIP"],
      ["192.168.0.0", "network"],
      ["192.168.0.255", "broadcast"],
    ]) {
      const ps = problemsOf((c) => {
        c.nodes[4].ip = ip;
      });
      assert.ok(
        ps.some((p) => p.key === "homelab:nodes[4].ip" && p.message.includes(word)),
        `${ip}: ${JSON.stringify(ps)}`,
      );
    }
  });
  it("rejects duplicate names, IPs, VM IDs and MACs", () => {
    const ps = problemsOf((c) => {
      c.nodes[1].name = "talos-cp-01";
      c.nodes[2].ip = "192.168.0.11";
      c.nodes[3].vmId = 1011;
      c.nodes[4].mac = "BC:24:11:00:00:01";
      c.nodes[5].mac = "bc:24:11:00:00:01";
    });
    const text = ps.map((p) => `${p.key} ${p.message}`).join("\n");
    assert.match(text, /hostname talos-cp-01/);
    assert.match(text, /node IP 192\.168\.0\.11/);
    assert.match(text, /VM ID 1011/);
    assert.match(text, /nodes\[5\]\.mac MAC/);
  });
  it("rejects a node on an undeclared Proxmox host and a cluster without control plane", () => {
    const ps = problemsOf((c) => {
      c.nodes[0].host = "pve9";
      for (const n of c.nodes) n.role = "worker";
    });
    assert.ok(ps.some((p) => p.key === "homelab:nodes[0].host" && p.fix.includes("pve1")));
    assert.ok(ps.some((p) => p.key === "homelab:nodes" && /no control plane/.test(p.message)));
  });
  it("names the secret key and environment variables when Proxmox credentials are missing", () => {
    const ps = problemsOf(() => {}, "homelab", { secretsPresent: { proxmoxApiToken: false, haproxySshPrivateKey: false } });
    const p = ps.find((x) => x.key === "homelab:proxmoxApiToken");
    assert.ok(p);
    assert.match(p!.fix, /pulumi config set --secret homelab:proxmoxApiToken/);
    assert.match(p!.fix, /PROXMOX_VE_API_TOKEN/);
  });
  it("accepts credentials from the environment instead", () => {
    const r = buildPlan(
      stackInputs("homelab", {
        secretsPresent: { proxmoxApiToken: false, haproxySshPrivateKey: false },
        env: { PROXMOX_VE_API_TOKEN: true },
      }),
    );
    assert.equal(r.ok, true);
  });
  it("rejects a missing Proxmox endpoint", () => {
    const ps = problemsOf((c) => {
      delete c.proxmox.endpoint;
    });
    assert.ok(ps.some((p) => p.key === "homelab:proxmox.endpoint" && p.fix.includes("PROXMOX_VE_ENDPOINT")));
  });
  it("reports missing and mistyped keys by path", () => {
    const ps = problemsOf((c) => {
      delete c.network.gateway;
      c.nodes[2].cpu = "four";
    });
    assert.ok(keys(ps).includes("homelab:network.gateway"));
    assert.ok(keys(ps).includes("homelab:nodes[2].cpu"));
  });
  it("rejects versions outside the supported range", () => {
    const ps = problemsOf((c) => {
      c.versions.talos = "v1.9.0";
      c.versions.cilium = "1.14.0";
    });
    assert.ok(ps.some((p) => p.key === "homelab:versions.talos" && p.fix.includes("1.11")));
    assert.ok(ps.some((p) => p.key === "homelab:versions.cilium"));
  });
});

describe("input checks: each hole a careful user expects to be caught", () => {
  const find = (ps: { key: string; message: string; fix: string; node?: string }[], key: string, re: RegExp) =>
    ps.find((p) => p.key === key && re.test(`${p.message} | ${p.fix}`));
  const expectProblem = (mutate: (c: Record<string, any>) => void, key: string, re: RegExp, overrides = {}) => {
    const ps = problemsOf(mutate, "homelab", overrides);
    const p = find(ps, key, re);
    assert.ok(p, `no ${key} ~ ${re} in:\n${ps.map((x) => `${x.key}: ${x.message} | ${x.fix}`).join("\n")}`);
    return p!;
  };

  it("pod and service CIDRs with host bits, with the network address to write", () => {
    const ps = problemsOf((c) => {
      c.network.serviceCidr = "10.96.0.1/12";
      c.network.podCidr = "10.20.5.0/16";
    });
    assert.ok(find(ps, "homelab:network.serviceCidr", /host bits.*write the network address: 10\.96\.0\.0\/12/));
    assert.ok(find(ps, "homelab:network.podCidr", /host bits.*10\.20\.0\.0\/16/));
  });
  it("an unknown top-level key, with the key it probably meant", () => {
    const p = expectProblem(
      (c) => {
        c.lbPools = c.lbPool;
        delete c.lbPool;
      },
      "homelab:lbPools",
      /nothing reads it.*did you mean `homelab:lbPool`/,
    );
    assert.ok(p);
    expectProblem(
      (c) => {
        c.kubeprismPort = 7445;
      },
      "homelab:kubeprismPort",
      /did you mean `homelab:kubePrismPort`/,
    );
    expectProblem(
      (c) => {
        c.flavour = "x";
      },
      "homelab:flavour",
      /remove it; known keys are clusterName/,
    );
  });
  it("a key in a misspelt namespace, while provider namespaces are left alone", () => {
    const ps = problemsOf(() => {}, "homelab", {
      otherKeys: ["homelb:kubePrismPort", "proxmoxve:endpoint", "talos:foo", "pulumi:template"],
    });
    assert.deepEqual(
      ps.map((p) => [p.key, p.fix]),
      [["homelb:kubePrismPort", "did you mean `homelab:kubePrismPort`? rename it"]],
    );
  });
  it("the missing key and the misspelt one are reported together", () => {
    const ps = problemsOf((c) => {
      c.lbPools = c.lbPool;
      delete c.lbPool;
    });
    assert.ok(find(ps, "homelab:lbPool", /is missing/));
    assert.ok(find(ps, "homelab:lbPools", /did you mean/));
  });
  it("a shape error elsewhere does not hide these checks", () => {
    const ps = problemsOf((c) => {
      c.nodes[2].cpu = "four";
      delete c.lbPool;
      c.network.serviceCidr = "10.96.0.1/12";
      c.kubePrismPort = 6443;
      c.network.dns = ["1.1.1.1", "1.1.1.1"];
      c.network.podCidr = "10.96.0.0/16";
      c.nodes[4].ip = "192.168.0.1";
    });
    for (const key of [
      "homelab:nodes[2].cpu",
      "homelab:lbPool",
      "homelab:network.serviceCidr",
      "homelab:kubePrismPort",
      "homelab:network.dns[1]",
      "homelab:network.podCidr",
      "homelab:nodes[4].ip",
    ]) {
      assert.ok(
        ps.some((p) => p.key === key),
        `${key} missing: ${ps.map((p) => p.key).join(", ")}`,
      );
    }
    assert.match(ps.find((p) => p.key === "homelab:lbPool")!.fix, /add `lbPool`/);
    assert.match(ps.find((p) => p.key === "homelab:nodes[2].cpu")!.fix, /write a number here/);
  });
  it("an unknown nested key, with the key it probably meant", () => {
    expectProblem(
      (c) => {
        c.network.podCIDR = "10.20.0.0/16";
      },
      "homelab:network.podCIDR",
      /did you mean `network\.podCidr`/,
    );
    expectProblem(
      (c) => {
        c.nodes[2].memory = 8;
      },
      "homelab:nodes[2].memory",
      /did you mean `nodes\[2\]\.memoryGiB`/,
    );
  });
  it("an overlap names both keys and is filed under the one to move", () => {
    // pod CIDR nested inside the service CIDR: the pod CIDR moves
    const inside = expectProblem(
      (c) => {
        c.network.podCidr = "10.96.0.0/16";
      },
      "homelab:network.podCidr",
      /overlaps the service CIDR 10\.96\.0\.0\/12 \(homelab:network\.serviceCidr\)/,
    );
    assert.match(inside.fix, /`network\.podCidr` or `network\.serviceCidr`/);
    // service CIDR nested inside the pod CIDR: the service CIDR moves
    expectProblem(
      (c) => {
        c.network.podCidr = "10.0.0.0/8";
      },
      "homelab:network.serviceCidr",
      /overlaps the pod CIDR 10\.0\.0\.0\/8 \(homelab:network\.podCidr\)/,
    );
    // the node subnet is the LAN as it is: never the one blamed
    expectProblem(
      (c) => {
        c.network.serviceCidr = "192.168.0.0/28";
      },
      "homelab:network.serviceCidr",
      /overlaps the node subnet/,
    );
  });
  it("a count below its minimum says the real minimum", () => {
    const p = expectProblem(
      (c) => {
        c.nodes[3].cpu = -4;
      },
      "homelab:nodes[3].cpu",
      /write at least 1/,
    );
    assert.doesNotMatch(p.fix, /at least 0/);
    expectProblem(
      (c) => {
        c.nodes[3].memoryGiB = 0;
      },
      "homelab:nodes[3].memoryGiB",
      /greater than 0/,
    );
    expectProblem(
      (c) => {
        c.nodes = [];
      },
      "homelab:nodes",
      /list at least 1/,
    );
    expectProblem(
      (c) => {
        c.kubePrismPort = 70000;
      },
      "homelab:kubePrismPort",
      /write at most 65535/,
    );
    expectProblem(
      (c) => {
        c.proxmox.hosts[0].capacity.cpu = 0;
      },
      "homelab:proxmox.hosts[0].capacity.cpu",
      /write at least 1/,
    );
  });
  it("names the node next to its index, for shape errors and for rule findings", () => {
    assert.equal(
      expectProblem(
        (c) => {
          c.nodes[6].cpu = -4;
        },
        "homelab:nodes[6].cpu",
        /at least 1/,
      ).node,
      "talos-wrk-04",
    );
    assert.equal(
      expectProblem(
        (c) => {
          c.nodes[6].ip = "10.9.9.9";
        },
        "homelab:nodes[6].ip",
        /outside/,
      ).node,
      "talos-wrk-04",
    );
    expectProblem(
      (c) => {
        c.nodes[5].ip = "192.168.0.14";
      },
      "homelab:nodes",
      /used by nodes\[3\] \(talos-wrk-01\), nodes\[5\] \(talos-wrk-03\)/,
    );
    const r = buildPlan({
      ...stackInputs("homelab"),
      config: { ...stackInputs("homelab").config, nodes: [{ ...(stackInputs("homelab").config as any).nodes[0], cpu: 0 }] },
    });
    assert.equal(r.ok, false);
    assert.match(formatProblems((r as any).problems), /homelab:nodes\[0\]\.cpu \(talos-cp-01\): /);
  });
  it("two fields that claim the same address", () => {
    expectProblem(
      (c) => {
        c.nodes[4].ip = "192.168.0.2";
      },
      "homelab:nodes[4].ip",
      /DNS server/,
    );
    expectProblem(
      (c) => {
        c.endpoint.vip = "192.168.0.3";
      },
      "homelab:endpoint.vip",
      /DNS server/,
    );
    expectProblem(
      (c) => {
        c.lbPool = { start: "192.168.0.1", stop: "192.168.0.9" };
      },
      "homelab:lbPool",
      /contains the DNS server 192\.168\.0\.2/,
    );
    expectProblem(
      (c) => {
        c.network.dhcpRange = { start: "192.168.0.2", stop: "192.168.0.9" };
      },
      "homelab:network.dhcpRange",
      /hands out 192\.168\.0\.2 \(a DNS server\)/,
    );
    // a router that is also the resolver is reported once, as the gateway
    const both = problemsOf((c) => {
      c.network.dns = ["192.168.0.1", "1.1.1.1"];
      c.nodes[4].ip = "192.168.0.1";
    });
    assert.deepEqual(
      both.filter((p) => p.key === "homelab:nodes[4].ip").map((p) => p.message),
      ["node IP 192.168.0.1 is the gateway"],
    );
    const hp = { secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: true } };
    expectProblem(
      (c) => {
        c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.12" } };
      },
      "homelab:endpoint.haproxy.host",
      /nodes\[1\] \(talos-cp-02\)/,
      hp,
    );
    expectProblem(
      (c) => {
        c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.205" } };
      },
      "homelab:endpoint.haproxy.host",
      /inside the LB pool/,
      hp,
    );
    expectProblem(
      (c) => {
        c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.250", listenAddress: "0.0.0.0" } };
      },
      "homelab:endpoint.haproxy.listenAddress",
      /not an address clients can reach/,
      hp,
    );
  });
  it("two settings that claim the same port", () => {
    for (const port of [6443, 50000, 50001, 2379, 10250])
      expectProblem(
        (c) => {
          c.kubePrismPort = port;
        },
        "homelab:kubePrismPort",
        /already taken on every node/,
      );
    expectProblem(
      (c) => {
        c.endpoint = { mode: "haproxy", haproxy: { host: "192.168.0.250", sshPort: 6443 } };
      },
      "homelab:endpoint.haproxy.sshPort",
      /frontend port/,
      { secretsPresent: { proxmoxApiToken: true, haproxySshPrivateKey: true } },
    );
  });
  it("ranges and addresses that swallow the network or broadcast address", () => {
    expectProblem(
      (c) => {
        c.lbPool = { start: "192.168.0.240", stop: "192.168.0.255" };
      },
      "homelab:lbPool",
      /broadcast address 192\.168\.0\.255/,
    );
    expectProblem(
      (c) => {
        c.network.gateway = "192.168.0.0";
      },
      "homelab:network.gateway",
      /network or broadcast/,
    );
    expectProblem(
      (c) => {
        c.endpoint.vip = "192.168.0.255";
      },
      "homelab:endpoint.vip",
      /network or broadcast/,
    );
  });
  it("CIDRs of sizes Kubernetes cannot use, or in special ranges", () => {
    expectProblem(
      (c) => {
        c.network.serviceCidr = "10.0.0.0/8";
        c.network.podCidr = "172.16.0.0/16";
      },
      "homelab:network.serviceCidr",
      /larger than Kubernetes accepts/,
    );
    expectProblem(
      (c) => {
        c.network.serviceCidr = "10.96.0.0/30";
      },
      "homelab:network.serviceCidr",
      /too few addresses/,
    );
    expectProblem(
      (c) => {
        c.network.podCidr = "10.20.0.0/23";
      },
      "homelab:network.podCidr",
      /holds 2 per-node \/24 range\(s\) for 7 nodes/,
    );
    expectProblem(
      (c) => {
        c.network.podCidr = "169.254.0.0/16";
      },
      "homelab:network.podCidr",
      /link-local/,
    );
  });
  it("names past DNS limits", () => {
    expectProblem(
      (c) => {
        c.clusterName = "a".repeat(64);
      },
      "homelab:clusterName",
      /64 characters/,
    );
    expectProblem(
      (c) => {
        c.nodes[0].name = "n".repeat(64);
      },
      "homelab:nodes[0].name",
      /at most 63/,
    );
    expectProblem(
      (c) => {
        c.endpoint = { mode: "kubeprism", dnsName: `${"k".repeat(64)}.home.arpa` };
      },
      "homelab:endpoint.dnsName",
      /at most 63/,
    );
    expectProblem(
      (c) => {
        c.endpoint = { mode: "kubeprism", dnsName: `${"k8s.".repeat(64)}arpa` };
      },
      "homelab:endpoint.dnsName",
      /at most 253/,
    );
    expectProblem(
      (c) => {
        c.network.ntp = ["time..cloudflare.com"];
      },
      "homelab:network.ntp[0]",
      /empty label/,
    );
    expectProblem(
      (c) => {
        c.network.ntp = ["-pool.ntp.org"];
      },
      "homelab:network.ntp[0]",
      /not at either end/,
    );
  });
  it("lists that name the same thing twice, and a repeated DNS server does not count twice", () => {
    expectProblem(
      (c) => {
        c.network.dns = ["192.168.0.2", "192.168.0.2"];
      },
      "homelab:network.dns[1]",
      /already listed at network\.dns\[0\]/,
    );
    expectProblem(
      (c) => {
        c.network.dns = ["192.168.0.2", "192.168.0.2"];
      },
      "homelab:network.dns",
      /1 DNS server/,
    );
    expectProblem(
      (c) => {
        c.network.ntp = ["pool.ntp.org", "POOL.ntp.org"];
      },
      "homelab:network.ntp[1]",
      /already listed/,
    );
    expectProblem(
      (c) => {
        c.image = { extensions: ["siderolabs/qemu-guest-agent", "siderolabs/qemu-guest-agent"] };
      },
      "homelab:image.extensions[1]",
      /already listed/,
    );
  });
  it("extension names the Image Factory knows, and unicast MACs", () => {
    expectProblem(
      (c) => {
        c.image = { extensions: ["qemu-guest-agent"] };
      },
      "homelab:image.extensions[0]",
      /<org>\/<name>/,
    );
    expectProblem(
      (c) => {
        c.nodes[1].mac = "01:00:5E:00:00:01";
      },
      "homelab:nodes[1].mac",
      /multicast/,
    );
  });
  it("a rule name in the stack's policy config that no rule has", () => {
    const policyConfig = { ...stackInputs("homelab").policyConfig, "dns-server": { minimum: 3 } };
    const ps = problemsOf(() => {}, "homelab", { policyConfig });
    assert.ok(
      find(ps, "policies/config/homelab.json: dns-server", /not a rule of the policy pack.*did you mean `dns-servers`/),
      JSON.stringify(ps),
    );
  });
  it("the reference stacks pass every one of these checks", () => {
    assert.equal(buildPlan(stackInputs("homelab")).ok, true);
    assert.equal(buildPlan(stackInputs("lab")).ok, true);
  });
});

describe("config as the program receives it from the engine", () => {
  it("keeps every key of the namespace, unknown ones included, and leaves secrets out", () => {
    const values = namespaceValues({
      "homelab:lbPools": '{"start":"192.168.0.201","stop":"192.168.0.210"}',
      "homelab:clusterName": "homelab",
      "homelab:proxmoxApiToken": "root@pam!t=secret",
      "homelab:haproxySshPrivateKey": "-----BEGIN",
      "proxmoxve:endpoint": "https://x:8006/",
    });
    assert.deepEqual(values, { lbPools: { start: "192.168.0.201", stop: "192.168.0.210" }, clusterName: "homelab" });
  });
});

describe("Pulumi.yaml and the config schema agree", () => {
  // The engine enforces Pulumi.yaml's types before the program runs; a stricter type there than in
  // the schema refuses values the preflight accepts (capacityHeadroom: 1.5 was one).
  const project = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
  const declared = Object.entries(project.config as Record<string, { type?: string; default?: unknown }>);
  const sample: Record<string, unknown> = { integer: 1.5, string: 5, boolean: "yes" };
  for (const [key, decl] of declared.filter(([, d]) => d?.type)) {
    it(`${key} is ${decl.type} in both`, () => {
      const bare = key.replace(/^homelab:/, "");
      const r = buildPlan({ ...stackInputs("homelab"), config: { ...stackInputs("homelab").config, [bare]: sample[decl.type!] } });
      assert.equal(r.ok, false, `the schema accepts ${JSON.stringify(sample[decl.type!])} for ${key}, the engine would refuse it`);
    });
  }
  it("every declared key is one the program reads", () => {
    const known = Object.keys(rawConfigSchema.shape);
    for (const [key] of declared) assert.ok(known.includes(key.replace(/^homelab:/, "")), key);
  });
});
