"use strict";
// The program's entry (package.json "main"; Pulumi.yaml names no `main`, so the program and the plugins run in the project folder): loads index.ts through tools/ts-loader.cjs (esbuild, types
// stripped from the sources at every start, so there is no compiled copy that could be stale) and hands
// its export (main, whose result is the stack outputs) to the Pulumi runtime. Without it the Node
// language host loads index.ts through the SDK's ts-node, which type-checks the whole program at every
// cold start (about 10 s of CPU on a fresh clone or CI runner). The type check is `npm run build`.
// A language host that honours Pulumi.yaml's `typescript: false` does not load ts-node at all; the
// offline host (v3.68) still registers it, but the loader takes over the .ts files, so it compiles
// nothing.
const path = require("node:path");

if (!require("./ts-loader.cjs").register()) {
  throw new Error(
    "tools/program-entry.cjs: esbuild (it comes with tsx, a dev dependency) is not installed: run npm ci, or bash tools/setup.sh",
  );
}

/**
 * The SDK's debuggablePromise (@pulumi/pulumi/runtime/debuggable.js) records a stack trace on every
 * internal promise, several per resource, and reads it only to report leaked promises when
 * PULUMI_DEBUG_PROMISE_LEAKS is set. Capturing and formatting those traces was half of the program's
 * CPU time (bench/scale.ts, 250 nodes under mocks: 3.9 ms a resource with them, 1.9 ms without).
 * Without that variable, each call runs with no frames to capture; everything else it does (the leak
 * check itself) is unchanged. The SDK's calls go through its module's exports
 * (`debuggable_1.debuggablePromise(...)`), so they reach the wrapper.
 */
function skipUnreadPromiseTraces() {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return;
  let debuggable;
  try {
    debuggable = require(require.resolve("@pulumi/pulumi/runtime/debuggable", { paths: [path.join(__dirname, "..")] }));
  } catch {
    return; // another SDK layout: nothing to change
  }
  const original = debuggable.debuggablePromise;
  if (typeof original !== "function" || original.length !== 2) return;
  debuggable.debuggablePromise = function debuggablePromise(p, ctx) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}

skipUnreadPromiseTraces();
module.exports = require(path.join(__dirname, "..", "index.ts"));
