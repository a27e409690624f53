"use strict";
// Entry of one pack run of bench/scale.ts: loads bench/scale-pack.ts and the pack with the project's
// TypeScript loader (tools/ts-loader.cjs), as policies/run-policy-pack.cjs does.
if (!require("../tools/ts-loader.cjs").register()) throw new Error("bench/scale-pack.cjs: esbuild is not installed: run npm ci");
require("./scale-pack.ts");
