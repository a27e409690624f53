// Temporary folders for tests, removed when the test file ends.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after } from "node:test";

const made: string[] = [];
after(() => { for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}
