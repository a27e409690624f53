// Where the external judges live: Talos's machine-config JSON schemas, Cilium's CRDs and the Talos
// machinery validators, from pinned upstream releases (tools/versions.env), fetched and built into
// .toolchain/ (git-ignored) by tools/setup-tests.sh, which npm test runs first. A missing judge fails
// the test that needs it, saying how to get it.
import * as fs from "node:fs";
import * as path from "node:path";
import { SUPPORTED_TALOS, type TalosMinor } from "../../core/versions";
import { PROJECT_DIR } from "./stacks";

export const TALOS_MINORS: TalosMinor[] = SUPPORTED_TALOS;
const JUDGES_DIR = path.join(PROJECT_DIR, ".toolchain", "judges");
const BIN = path.join(PROJECT_DIR, ".toolchain", "bin");

/** KEY=value pins of tools/versions.env (the same file the setup scripts source). */
function pins(): Record<string, string> {
  const text = fs.readFileSync(path.join(PROJECT_DIR, "tools", "versions.env"), "utf8");
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z0-9_]+)=(?:"([^"]*)"|(\S*))/gm)) out[m[1]] = m[2] ?? m[3];
  return out;
}

/** The pinned Talos machinery release of each supported minor, e.g. "1.12" -> "v1.12.1". */
export function talosMachineryVersion(minor: TalosMinor): string {
  const versions = (pins().TALOS_MACHINERY_VERSIONS ?? "").split(/\s+/);
  const v = versions.find((x) => x.startsWith(`v${minor}.`));
  if (!v) throw new Error(`tools/versions.env: TALOS_MACHINERY_VERSIONS pins no Talos ${minor} release`);
  return v;
}

function required(file: string, what: string, fix: string): string {
  if (!fs.existsSync(file)) throw new Error(`${what} is missing (${path.relative(PROJECT_DIR, file)}): ${fix}`);
  return file;
}
const FETCH_FIX = "run tools/setup-tests.sh (fetches the Talos schemas / Cilium CRDs; npm test runs it first)";

/** Talos's machine-config JSON schema (config/schemas/config.schema.json of the pinned machinery). */
export function talosSchemaFile(minor: TalosMinor): string {
  const v = talosMachineryVersion(minor);
  return required(path.join(JUDGES_DIR, "talos", `config.schema.${v}.json`), `the Talos ${v} machine-config schema`, FETCH_FIX);
}

/** A CRD of the pinned Cilium release, by its file name in pkg/k8s/apis/cilium.io/client/crds/<version>/. */
export function ciliumCrdFile(name: string): string {
  return required(path.join(JUDGES_DIR, "cilium", name), `the Cilium ${pins().CILIUM_CRDS_VERSION} CRD ${name}`, FETCH_FIX);
}

/** tools/talos-validate built against the pinned machinery of this minor. */
export function talosValidateBin(minor: TalosMinor): string {
  return required(
    path.join(BIN, `talos-validate-${minor}`),
    `the Talos ${minor} machinery validator`,
    "run tools/setup-tests.sh (builds talos-validate for Talos 1.11, 1.12 and 1.13; npm test runs it first)",
  );
}
