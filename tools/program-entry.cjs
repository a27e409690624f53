"use strict";
// The program's entry (Pulumi.yaml `main`): loads index.ts through tsx (esbuild: transpile only, from
// the sources at every start, so there is no compiled copy that could be stale) and hands its export
// (main, whose result is the stack outputs) to the Pulumi runtime. Without it the Node language host
// loads index.ts through the SDK's ts-node, which type-checks the whole program at every cold start
// (about 10 s of CPU on a fresh clone or CI runner). The type check is `npm run build` (tsc --noEmit).
// A language host that honours Pulumi.yaml's `typescript: false` does not load ts-node at all; the
// offline host (v3.68) still registers it, but tsx takes over the .ts files, so it compiles nothing.
const path = require("node:path");

const root = path.join(__dirname, "..");
require(require.resolve("tsx/cjs/api", { paths: [root] })).register();
module.exports = require(path.join(root, "index.ts"));
