// Temporary folders for tests (and the benchmarks that reuse test helpers), removed when the process
// exits. A process exit hook rather than node:test's `after`, which would start a test harness in a
// benchmark that only imports these helpers.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const made: string[] = [];
process.on("exit", () => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}
