// Every `talosctl` and `pulumi` command the README and the docs/ pages tell a user to type, judged by the
// real tool: each subcommand must exist and take every flag the docs pass (the CLI's own `--help`). What no tool
// here can judge (pveum, pvesm, kubectl, the downloads) is reviewed against its sources instead
// (tests/unit/proxmox-access.test.ts keeps the pveum commands equal to what the program derives).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { docPages } from "../helpers/docs";
import { PROJECT_DIR } from "../helpers/stacks";
import { BIN, PULUMI, toolchainMissing } from "./engine";

// the README and every docs/ page: a command moved between pages is still judged
const PAGES = docPages();
const ALL_DOCS = PAGES.map((p) => p.text).join("\n\n");
const FRONT_DOOR = PAGES.find((p) => p.file === "README.md")!.text;
const TALOSCTL = path.join(BIN, "talosctl");

/** Commands starting with `tool `, from inline code (which may wrap lines) and from code blocks. */
function commandsOf(markdown: string, tool: string): string[] {
  const found: string[] = [];
  const blocks = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)];
  const inline = markdown.replace(/```[a-z]*\n[\s\S]*?```/g, "");
  const pieces = [...blocks.flatMap((b) => b[1].split("\n")), ...[...inline.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\s+/g, " "))];
  for (const piece of pieces) {
    // a pipeline, a list of commands or a command substitution: judge each; a redirection ends the command
    for (const part of piece.split(/\s*(?:&&|\|\||;|\s\|\s|"?\$\()\s*/)) {
      const cmd = part
        .replace(/^\(+/, "")
        .replace(/\)+"?$/, "")
        .replace(/\s*"$/, "")
        .split(/\s[<>]\s|\s\d?>\s?/)[0]
        .trim();
      if (cmd.startsWith(`${tool} `) || cmd === tool) found.push(cmd);
    }
  }
  return [...new Set(found)];
}

interface Help {
  text: string;
  ok: boolean;
  flags: Map<string, boolean>;
}
const helpCache = new Map<string, Help>();

/** What `tool <path> --help` says, and the flags it offers with whether each takes a value. */
function help(tool: string, cmdPath: string[]): Help {
  const key = [tool, ...cmdPath].join(" ");
  if (helpCache.has(key)) return helpCache.get(key)!;
  const r = spawnSync(tool, [...cmdPath, "--help"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_HOME: path.join(PROJECT_DIR, ".toolchain", "pulumi-home") },
  });
  const out = r.stdout;
  const flags = new Map<string, boolean>();
  for (const m of out.matchAll(/^\s+(?:-(\w), )?--([\w-]+)(?: (\w+))?(?:\s{2,}|$)/gm)) {
    const takesValue = m[3] !== undefined;
    flags.set(`--${m[2]}`, takesValue);
    if (m[1]) flags.set(`-${m[1]}`, takesValue);
  }
  const h = { text: out, ok: r.status === 0, flags };
  helpCache.set(key, h);
  return h;
}

/**
 * A word is a subcommand when the CLI answers `<path> <word> --help` with another command's help
 * (aliases such as `stack init` included); for an argument (cobra ignores it) the help is the same.
 */
function isSubcommand(tool: string, cmdPath: string[], word: string): boolean {
  if (!/^[a-z][a-z0-9-]*$/.test(word)) return false;
  const next = help(tool, [...cmdPath, word]);
  return next.ok && next.text !== help(tool, cmdPath).text;
}

/** Problems of one command line as the tool sees it (empty: it takes the command as written). */
function judge(tool: string, line: string): string[] {
  const tokens = line.split(/\s+/).slice(1);
  const cmdPath: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith("-")) {
      const name = t.split("=")[0];
      flags.push(name);
      if (!t.includes("=") && help(tool, cmdPath).flags.get(name)) i++; // its value
    } else if (isSubcommand(tool, cmdPath, t)) {
      cmdPath.push(t);
    }
  }
  const final = help(tool, cmdPath);
  if (!final.ok) return [`\`${line}\`: ${[tool.split("/").pop(), ...cmdPath].join(" ")} --help fails: ${final.text.slice(0, 200)}`];
  const offered = final.flags;
  return flags.filter((f) => !offered.has(f)).map((f) => `\`${line}\`: ${[tool.split("/").pop(), ...cmdPath].join(" ")} has no flag ${f}`);
}

describe("README and docs/ commands, judged by the real CLIs", () => {
  before(() => {
    if (toolchainMissing) assert.fail(toolchainMissing);
    assert.ok(fs.existsSync(TALOSCTL), "talosctl is not built: run tools/setup.sh");
  });

  it("finds the commands it judges (the extraction itself works)", () => {
    const talos = commandsOf(ALL_DOCS, "talosctl");
    assert.ok(
      talos.some((c) => c.startsWith("talosctl -e <cp> -n <cp> service etcd")),
      talos.join("\n"),
    );
    assert.ok(
      talos.some((c) => /bootstrap --recover-from=/.test(c)),
      talos.join("\n"),
    );
    const pulumi = commandsOf(ALL_DOCS, "pulumi");
    assert.ok(
      pulumi.some((c) => c.startsWith("pulumi stack --show-urns")),
      pulumi.join("\n"),
    );
    assert.ok(
      pulumi.some((c) => c.startsWith("pulumi state unprotect")),
      pulumi.join("\n"),
    );
    // and the judge can fail
    assert.deepEqual(judge(TALOSCTL, "talosctl -n 10.0.0.1 bootstrap --recover-form=x.db").length, 1);
    assert.deepEqual(judge(PULUMI, "pulumi stack --show-urn").length, 1);
  });

  it("every talosctl command: the subcommand exists and takes each flag", () => {
    const problems = commandsOf(ALL_DOCS, "talosctl").flatMap((c) => judge(TALOSCTL, c));
    assert.deepEqual(problems, []);
  });

  it("every pulumi command: the subcommand exists and takes each flag", () => {
    const problems = commandsOf(ALL_DOCS, "pulumi").flatMap((c) => judge(PULUMI, c));
    assert.deepEqual(problems, []);
  });

  it("`pulumi config set --secret` without a value prompts for it (the token stays out of the shell history)", () => {
    const r = spawnSync(PULUMI, ["config", "set", "--help"], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    assert.match(r.stdout, /If a value is not present on the command line, pulumi will prompt for the value/);
  });

  it("the pinned client versions are the reference stack's Talos and Kubernetes versions", () => {
    const stack = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.homelab.yaml"), "utf8");
    const talos = /talos:\s*(v[\d.]+)/.exec(stack)?.[1];
    const k8s = /kubernetes:\s*(v[\d.]+)/.exec(stack)?.[1];
    assert.ok(talos && k8s, "versions in Pulumi.homelab.yaml");
    assert.match(FRONT_DOOR, new RegExp(`TALOS_VERSION=${talos!.replace(/\./g, "\\.")}\\s`));
    assert.match(FRONT_DOOR, new RegExp(`K8S_VERSION=${k8s!.replace(/\./g, "\\.")}\\s`));
  });
});
