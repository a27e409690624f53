import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Resvg } from "@resvg/resvg-js";
import { main } from "../../preflight/cli";
import { PROJECT_DIR, referenceStackConfig } from "../helpers/stacks";
import { stringify } from "yaml";

type Config = Record<string, any>;
const temps: string[] = [];
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A throwaway project dir holding Pulumi.yaml, policy configs and a stack file: the reference stack's
 * config edited by `edit` (objects, not text, so a stack file Pulumi reformatted works the same), or
 * the raw text `edit` returns.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an edit either returns the raw text or edits in place
function projectWith(stack: string, edit: (config: Config) => string | undefined | void, base = "homelab"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
  temps.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.cpSync(path.join(PROJECT_DIR, "policies", "config"), path.join(dir, "policies", "config"), { recursive: true });
  fs.copyFileSync(path.join(dir, "policies", "config", `${base}.json`), path.join(dir, "policies", "config", `${stack}.json`));
  const config = referenceStackConfig(base);
  const raw = edit(config);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), typeof raw === "string" ? raw : stringify({ config }));
  return dir;
}
const node = (c: Config, name: string) => c["homelab:nodes"].find((n: { name: string }) => n.name === name);
const rename = (c: Config, from: string, to: string) => {
  c[to] = c[from];
  delete c[from];
};
const run = (stack: string, dir: string, ...flags: string[]) => main([stack, "--out", path.join(dir, "out"), ...flags], dir);

describe("preflight", () => {
  it("finds the homelab stack clean and prints the IP plan and capacity", () => {
    const dir = projectWith("homelab", () => undefined);
    const r = run("homelab", dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /talos-wrk-04\s+worker\s+192\.168\.0\.17\s+1017\s+pve1/);
    assert.match(r.stdout, /LB pool\s+192\.168\.0\.201 - 192\.168\.0\.210 \(10 addresses\)/);
    assert.match(r.stdout, /free in the node subnet: 133 addresses: 192\.168\.0\.4-10, 192\.168\.0\.18-99, 192\.168\.0\.211-254/);
    assert.match(r.stdout, /pve1\s+20 \/ 32\s+56 \/ 128\s+1000 \/ 2000/);
    assert.match(r.stdout, /pve1: cpu headroom 1\.6x is below the 2x wanted/);
  });

  const families: [string, (c: Config) => void, RegExp][] = [
    [
      "malformed input",
      (c) => {
        c["homelab:network"].gateway = "192.168.0";
      },
      /homelab:network\.gateway/,
    ],
    [
      "control-plane count",
      (c) => {
        c["homelab:nodes"] = c["homelab:nodes"].filter((n: { name: string }) => n.name !== "talos-cp-03");
      },
      /odd|etcd/,
    ],
    [
      "sizing",
      (c) => {
        node(c, "talos-cp-02").memoryGiB = 1;
      },
      /Talos minimum/,
    ],
    [
      "networks",
      (c) => {
        c["homelab:network"].podCidr = "192.168.0.0/16";
      },
      /pod CIDR 192\.168\.0\.0\/16 overlaps the node subnet/,
    ],
    [
      "identity",
      (c) => {
        node(c, "talos-wrk-02").ip = "192.168.0.14";
      },
      /node IP 192\.168\.0\.14 is used by/,
    ],
    [
      "DNS",
      (c) => {
        c["homelab:network"].dns = ["192.168.0.2"];
      },
      /1 DNS server/,
    ],
    [
      "DHCP range",
      (c) => {
        c["homelab:network"].dhcpRange.start = "192.168.0.10";
      },
      /DHCP range .* hands out 192\.168\.0\.11/,
    ],
    [
      "an unknown key",
      (c) => rename(c, "homelab:lbPool", "homelab:lbPools"),
      /homelab:lbPools: is not a setting .*\n\s+fix: did you mean `homelab:lbPool`\?/,
    ],
    [
      "host bits in the service CIDR",
      (c) => {
        c["homelab:network"].serviceCidr = "10.96.0.1/12";
      },
      /homelab:network\.serviceCidr: "10\.96\.0\.1\/12" has host bits/,
    ],
    [
      "a node's problem, with its name",
      (c) => {
        node(c, "talos-wrk-04").cpu = -4;
      },
      /homelab:nodes\[6\]\.cpu \(talos-wrk-04\): .*\n\s+fix: write at least 1/,
    ],
    [
      "a misspelt namespace",
      (c) => {
        delete c["homelab:kubePrismPort"];
        c["homelb:kubePrismPort"] = 7446;
      },
      /homelb:kubePrismPort: namespace "homelb" is not this program's.*\n\s+fix: did you mean `homelab:kubePrismPort`\?/,
    ],
    [
      "a port taken twice",
      (c) => {
        c["homelab:kubePrismPort"] = 50000;
      },
      /homelab:kubePrismPort: port 50000 is already taken on every node by Talos apid/,
    ],
  ];
  for (const [family, edit, expected] of families) {
    it(`catches ${family} on a broken copy (exit 1, key and fix)`, () => {
      const dir = projectWith("broken", edit);
      const r = run("broken", dir);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, expected);
      assert.match(r.stdout, /fix: /);
    });
  }

  it("exits 2 on an unreadable stack file", () => {
    const dir = projectWith("garbled", () => "config:\n  homelab:nodes: [unclosed\n");
    const r = run("garbled", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not valid YAML/);
    assert.equal(run("missing", dir).code, 2);
  });

  it("--json output carries the same content as the text", () => {
    const dir = projectWith("homelab", () => undefined);
    const r = run("homelab", dir, "--json");
    const parsed = JSON.parse(r.stdout);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.ipPlan.nodes.length, 7);
    assert.equal(parsed.ipPlan.freeCount, 133);
    assert.equal(parsed.capacity.total.requested.cpu, 44);
    assert.match(parsed.mermaid, /^flowchart TB/);
    const broken = JSON.parse(
      run(
        "broken",
        projectWith("broken", (c) => {
          node(c, "talos-wrk-02").ip = "192.168.0.14";
        }),
        "--json",
      ).stdout,
    );
    assert.equal(broken.ok, false);
    assert.ok(broken.problems.every((p: { key: string; fix: string }) => p.key && p.fix));
    const named = JSON.parse(
      run(
        "broken",
        projectWith("broken", (c) => {
          node(c, "talos-wrk-04").ip = "10.1.1.17";
        }),
        "--json",
      ).stdout,
    );
    assert.ok(
      named.problems.some((p: { key: string; node?: string }) => p.key === "homelab:nodes[6].ip" && p.node === "talos-wrk-04"),
      JSON.stringify(named.problems),
    );
  });

  it("writes an SVG diagram that a real renderer rasterises, and Mermaid text", () => {
    const dir = projectWith("homelab", () => undefined);
    run("homelab", dir);
    const svg = fs.readFileSync(path.join(dir, "out", "homelab-network.svg"), "utf8");
    const image = new Resvg(svg, { font: { loadSystemFonts: true } }).render();
    assert.ok(image.width >= 700 && image.height >= 300);
    const pixels = image.pixels;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200) ink++;
    assert.ok(ink > 2000, `only ${ink} non-white pixels`);
    const mmd = fs.readFileSync(path.join(dir, "out", "homelab-network.mmd"), "utf8");
    for (const n of ["talos-cp-01", "talos-wrk-04", "192.168.0.200", "pve3"]) assert.ok(mmd.includes(n), n);
  });
});
