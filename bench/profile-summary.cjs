"use strict";
// Summarises a V8 CPU profile (node --cpu-prof; bench/scale.ts --profile writes them): self time by
// package or project file, the functions with the most self time, and the inclusive time of the
// project's own functions (what they cost with everything they call).
//   node bench/profile-summary.cjs <file.cpuprofile> [top=25]
const fs = require("node:fs");
const path = require("node:path");

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile-summary.cjs <file.cpuprofile> [top=25]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const root = path.resolve(__dirname, "..");
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// self time per node from the samples and their time deltas (microseconds)
const self = new Map();
for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(url) {
  if (!url) return "(native/V8)";
  const p = url.replace(/^file:\/\//, "");
  const nm = p.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = p.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (p.startsWith("node:")) return "node:internal";
  return p.startsWith(root) ? path.relative(root, p) : p;
}
const fnName = (cf) => `${cf.functionName || "(anonymous)"} ${where(cf.url)}:${cf.lineNumber + 1}`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;

const byWhere = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const cf = nodes.get(id).callFrame;
  const w = where(cf.url);
  byWhere.set(w, (byWhere.get(w) ?? 0) + t);
  const f = fnName(cf);
  byFn.set(f, (byFn.get(f) ?? 0) + t);
}
// inclusive time of the project's own functions (sdks/ and bench/ excluded), each counted once per sample
const inclusive = new Map();
profile.samples.forEach((id, i) => {
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const cf = nodes.get(n).callFrame;
    const w = where(cf.url);
    if (!/^(core|components|index\.ts|policies|tools)/.test(w)) continue;
    const f = fnName(cf);
    if (seen.has(f)) continue;
    seen.add(f);
    inclusive.set(f, (inclusive.get(f) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
});

const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log("\nself time by package / project file:");
for (const [w, t] of sorted(byWhere).slice(0, top)) console.log(`  ${ms(t)}  ${w}`);
console.log("\nfunctions with the most self time:");
for (const [f, t] of sorted(byFn).slice(0, top)) console.log(`  ${ms(t)}  ${f}`);
console.log("\nthe project's functions, inclusive (with what they call):");
for (const [f, t] of sorted(inclusive).slice(0, top)) console.log(`  ${ms(t)}  ${f}`);
