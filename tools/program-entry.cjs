"use strict";
// The program's entry (Pulumi.yaml `main`): loads index.ts through tools/ts-loader.cjs (esbuild, types
// stripped from the sources at every start, so there is no compiled copy that could be stale) and hands
// its export (main, whose result is the stack outputs) to the Pulumi runtime. Without it the Node
// language host loads index.ts through the SDK's ts-node, which type-checks the whole program at every
// cold start (about 10 s of CPU on a fresh clone or CI runner). The type check is `npm run build`.
// A language host that honours Pulumi.yaml's `typescript: false` does not load ts-node at all; the
// offline host (v3.68) still registers it, but the loader takes over the .ts files, so it compiles
// nothing.
const path = require("node:path");

if (!require("./ts-loader.cjs").register()) {
  throw new Error("tools/program-entry.cjs: esbuild (it comes with tsx, a dev dependency) is not installed: run npm ci, or bash tools/setup.sh");
}
module.exports = require(path.join(__dirname, "..", "index.ts"));
