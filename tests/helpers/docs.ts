// The project's documentation as the tests read it: the README (the front door) and the pages under
// docs/ it links to. Tests that hold a command or a statement of the docs to the code search all of it,
// so moving a section between pages never hides it from them.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./stacks";

export interface DocPage {
  /** path relative to the project, e.g. `README.md` or `docs/day2.md` */
  file: string;
  text: string;
}

/** README.md, then every docs/*.md in name order. */
export function docPages(projectDir = PROJECT_DIR): DocPage[] {
  const docsDir = path.join(projectDir, "docs");
  const pages = fs.existsSync(docsDir)
    ? fs
        .readdirSync(docsDir)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => path.join("docs", f))
    : [];
  return ["README.md", ...pages].map((file) => ({ file, text: fs.readFileSync(path.join(projectDir, file), "utf8") }));
}

/** All pages as one text (each page ends before the next begins, so no code block spans two pages). */
export function allDocs(projectDir = PROJECT_DIR): string {
  return docPages(projectDir)
    .map((p) => p.text.trimEnd())
    .join("\n\n");
}
