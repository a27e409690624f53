"use strict";
// Preloaded by bench/preview.ts (NODE_OPTIONS=--require) into every Node process of a preview: at exit,
// the program's and the policy pack's own CPU time (user+sys, all threads) go to BENCH_CPU_REPORT as
// one JSON line each. The engine stops the pack with SIGINT; exiting on it runs the exit hook.
const fs = require("node:fs");

const out = process.env.BENCH_CPU_REPORT;
const script = process.argv[1] ?? "";
const role = /[\\/]cmd[\\/]run[\\/]index\.js$/.test(script) ? "program" : /run-policy-pack/.test(script) ? "pack" : undefined;
if (out && role) {
  process.on("exit", () => {
    const u = process.cpuUsage();
    fs.appendFileSync(out, `${JSON.stringify({ role, cpuMs: (u.user + u.system) / 1000 })}\n`);
  });
  if (role === "pack") process.on("SIGINT", () => process.exit(0));
}
