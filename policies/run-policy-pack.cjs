"use strict";
// Started by policies/run-policy-pack: runs the pack the way @pulumi/pulumi's cmd/run-policy-pack does
// (same run(), same error handling and exit codes), but loads the TypeScript through the project's
// tools/ts-loader.cjs (esbuild, types stripped from the sources at every start, so there is no compiled
// copy that could be stale) instead of the SDK's ts-node, which type-checks the whole pack at every
// cold start (about 8 s of CPU on a fresh clone) and loads the TypeScript compiler even when its cache
// is warm. The type check is `npm run build` (tsc --noEmit), which covers policies/ too. Without the
// loader or esbuild (the pack installed on its own), the SDK's launcher runs unchanged.
//   node run-policy-pack.cjs <engine-address> <program>
const path = require("node:path");

const sdkLauncher = path.join(__dirname, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
let loader;
try {
  loader = require(path.join(__dirname, "..", "tools", "ts-loader.cjs"));
} catch {
  loader = undefined;
}
if (loader === undefined || !loader.register()) {
  require(sdkLauncher);
} else {
  main(process.argv.slice(2));
}

function main(args) {
  // as in the SDK's cmd/run-policy-pack/index.js; stack traces are mapped by Node's own source maps,
  // which the loader turns on (the SDK's source-map-support is not needed)
  const minimist = require(require.resolve("minimist", { paths: [sdkLauncher] }));
  const uncaughtErrors = new Set();
  const loggedErrors = new Set();
  let programRunning = false;
  const uncaughtHandler = (err) => {
    uncaughtErrors.add(err);
    if (!programRunning) console.error(err.stack || err.message || `${err}`);
  };
  const exitedAfterLoggingUserActionableMessage = 32;
  process.on("uncaughtException", uncaughtHandler);
  process.on("unhandledRejection", uncaughtHandler);
  process.on("exit", (code) => {
    // an uncaught error always fails the run; 32 when every one of them was already shown
    if (code === 0 && uncaughtErrors.size > 0) {
      for (const err of uncaughtErrors) {
        if (!loggedErrors.has(err)) {
          process.exitCode = 1;
          return;
        }
      }
      process.exitCode = exitedAfterLoggingUserActionableMessage;
    }
  });
  const argv = minimist(args, {});
  if (argv._.length < 2) {
    console.error("usage: run-policy-pack.cjs <engine-address> <program>");
    process.exit(-1);
  }
  argv._.shift();
  require(path.join(sdkLauncher, "..", "..", "runtime", "closure", "v8Hooks"))
    .isInitializedAsync()
    .then(() => {
      const promise = require(path.join(sdkLauncher, "run")).run({
        argv,
        programStarted: () => {
          programRunning = true;
        },
        reportLoggedError: (err) => loggedErrors.add(err),
        // the loader above loads the TypeScript; the SDK would register its own ts-node
        typeScript: false,
      });
      promise.then(() => {
        programRunning = false;
      });
    });
}
