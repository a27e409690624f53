// The README's map of the project against the real tree, and every link of the README and docs/
// against the files and headings it points at: a folder, component or page added or renamed without
// the docs fails here.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { docPages } from "../helpers/docs";
import { PROJECT_DIR } from "../helpers/stacks";

const README = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

/** The rows of the README's folder table ("| `folder` | what is there |"), by their first cell. */
function folderRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of README.matchAll(/^\| `([^`]+)` \| (.*) \|$/gm)) rows.set(m[1], m[2]);
  return rows;
}

/** Files git tracks or would track (ignored ones such as .toolchain left out), relative to the project. */
function projectFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_DIR, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)));
}

/** The folders directly under `parent` ("" for the top level) that hold such files: empty ones are no part of the project. */
function projectFolders(parent = ""): string[] {
  const prefix = parent ? `${parent}/` : "";
  const below = projectFiles()
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length))
    .filter((f) => f.includes("/"));
  return [...new Set(below.map((f) => f.split("/")[0]))].filter((d) => d !== "node_modules").sort();
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(text: string): Set<string> {
  const withoutCode = text.replace(/```[\s\S]*?```/g, "");
  const anchors = new Set<string>();
  for (const m of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) anchors.add(slug(m[1]));
  for (const m of withoutCode.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]);
  return anchors;
}

describe("the README's map of the project", () => {
  const rows = folderRows();

  it("names every top-level folder", () => {
    const named = [...rows.keys()].map((k) => k.split("/")[0]);
    const missing = projectFolders().filter((d) => !named.includes(d));
    assert.deepEqual(missing, [], `folders the README's table does not name: ${missing.join(", ")}`);
  });

  it("names every folder of core/ and nothing that is not there", () => {
    const row = rows.get("core/");
    assert.ok(row, "a row for core/");
    const real = projectFolders("core");
    const named = [...row.matchAll(/`([a-z0-9-]+)\/`/g)].map((m) => m[1]).sort();
    assert.deepEqual(named, real);
  });

  it("names every component class, and each one it names exists", () => {
    const row = rows.get("components/");
    assert.ok(row, "a row for components/");
    const dir = path.join(PROJECT_DIR, "components");
    const classes = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/^export class (\w+)/gm)].map((m) => m[1]))
      .sort();
    const named = [...row.matchAll(/`(\w+)`/g)]
      .map((m) => m[1])
      .filter((n) => /^[A-Z]/.test(n))
      .sort();
    assert.deepEqual(named, classes);
  });

  it("the architecture picture names only folders, files and components that exist", () => {
    const picture = /```mermaid\n([\s\S]*?)```/.exec(README)?.[1];
    assert.ok(picture, "a mermaid picture");
    const paths = [...picture.matchAll(/\b((?:core|components|preflight|policies|tools|tests)\/[\w./-]*)/g)].map((m) =>
      m[1].replace(/\/$/, ""),
    );
    assert.ok(paths.length >= 5, paths.join(", "));
    for (const p of paths) assert.ok(fs.existsSync(path.join(PROJECT_DIR, p)), `${p} does not exist`);
    const componentsDir = path.join(PROJECT_DIR, "components");
    const source = fs
      .readdirSync(componentsDir)
      .map((f) => fs.readFileSync(path.join(componentsDir, f), "utf8"))
      .join("\n");
    for (const m of picture.matchAll(/"([A-Z][A-Za-z]+)[ :(]/g)) {
      assert.match(source, new RegExp(`export class ${m[1]}\\b`), `${m[1]} is not a component`);
    }
  });
});

describe("the docs pages and their links", () => {
  const pages = docPages();

  it("every page under docs/ is linked from the README", () => {
    const unlinked = pages.filter((p) => p.file.startsWith("docs/") && !README.includes(`](${p.file}`)).map((p) => p.file);
    assert.deepEqual(unlinked, []);
  });

  it("every relative link points at a file that exists, and an anchor at a heading of that page", () => {
    const texts = new Map(pages.map((p) => [p.file, p.text]));
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const prose = page.text.replace(/```[\s\S]*?```/g, "");
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split("#");
        const resolved = file ? path.normalize(path.join(path.dirname(page.file), file)) : page.file;
        checked++;
        if (!fs.existsSync(path.join(PROJECT_DIR, resolved))) {
          broken.push(`${page.file}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor) {
          const text = texts.get(resolved) ?? fs.readFileSync(path.join(PROJECT_DIR, resolved), "utf8");
          if (!anchorsOf(text).has(anchor)) broken.push(`${page.file}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked > 20, `only ${checked} links found`);
  });

  it("the link check can fail: a missing page and a missing heading are found", () => {
    assert.ok(!anchorsOf("# Upgrading Talos\n").has("upgrading-kubernetes"));
    assert.ok(anchorsOf("## Configuration reference (namespace `homelab`)\n").has("configuration-reference-namespace-homelab"));
    assert.ok(anchorsOf('<a id="config-contract"></a>**Config contract.**').has("config-contract"));
    assert.ok(!fs.existsSync(path.join(PROJECT_DIR, "docs", "no-such-page.md")));
  });
});
