// Reads Talos's support matrix from the judges (talos-validate-<minor> -compatibility, one binary per
// pinned machinery release) and writes or checks core/versions/talos-compatibility.generated.ts.
//   node --import tsx tools/talos-validate/compatibility-table.ts --write   rewrite the table
//   node --import tsx tools/talos-validate/compatibility-table.ts --check   exit 1 when it differs
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type CompatibilityRow, GENERATED_FILE, renderCompatibilityTable } from "../../core/versions/compatibility-table";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** TALOS_MACHINERY_VERSIONS of tools/versions.env: one machinery release per supported minor. */
export function pinnedMachinery(projectDir = PROJECT_DIR): string[] {
  const text = fs.readFileSync(path.join(projectDir, "tools", "versions.env"), "utf8");
  const m = /^TALOS_MACHINERY_VERSIONS="([^"]*)"/m.exec(text);
  if (!m) throw new Error("tools/versions.env sets no TALOS_MACHINERY_VERSIONS");
  return m[1].split(/\s+/).filter(Boolean);
}

/** The judge built against a machinery release (tools/toolchain/build-talos-validate.sh). */
export function judgeFor(machinery: string, projectDir = PROJECT_DIR): string {
  const minor = machinery.replace(/^v/, "").split(".").slice(0, 2).join(".");
  const bin = path.join(projectDir, ".toolchain", "bin", `talos-validate-${minor}`);
  if (!fs.existsSync(bin)) {
    throw new Error(`the Talos ${minor} machinery judge is missing (${path.relative(projectDir, bin)}): run tools/setup-tests.sh`);
  }
  return bin;
}

/** Each pinned judge's answer: what its machinery's compatibility package accepts. */
export function measuredRows(projectDir = PROJECT_DIR): CompatibilityRow[] {
  return pinnedMachinery(projectDir).map((v) =>
    JSON.parse(execFileSync(judgeFor(v, projectDir), ["-compatibility"], { encoding: "utf8" })),
  );
}

/** The table file is not what these rows render to (missing counts as different). */
export function tableDiffers(file: string, rows: CompatibilityRow[]): boolean {
  return !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== renderCompatibilityTable(rows);
}

function main(mode: string | undefined): void {
  const file = path.join(PROJECT_DIR, GENERATED_FILE);
  const rows = measuredRows();
  if (mode === "--write") {
    fs.writeFileSync(file, renderCompatibilityTable(rows));
    console.log(`wrote ${GENERATED_FILE}`);
  } else if (mode === "--check") {
    if (tableDiffers(file, rows)) {
      console.error(`${GENERATED_FILE} differs from what the pinned Talos machinery says; rerun with --write`);
      process.exit(1);
    }
  } else {
    process.stdout.write(renderCompatibilityTable(rows));
  }
}

if (require.main === module) main(process.argv[2]);
