"use strict";
// Entry of one mock run of bench/scale.ts: loads bench/scale-mock.ts (and through it index.ts) with the
// program's own TypeScript loader (tools/ts-loader.cjs), as tools/program-entry.cjs does.
if (!require("../tools/ts-loader.cjs").register()) throw new Error("bench/scale-mock.cjs: esbuild is not installed: run npm ci");
require("./scale-mock.ts");
