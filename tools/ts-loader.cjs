"use strict";
// Loads the project's TypeScript (.ts) in a Pulumi run: esbuild strips the types from each file as it is
// required, from its current text (a result is reused only for the very same text, see register), so
// there is no compiled copy that could be stale. Used by
// tools/program-entry.cjs (the program) and policies/run-policy-pack.cjs (the policy pack).
// Why not what the SDK does: its ts-node type-checks the whole program at every cold start (about 10 s
// of CPU for the program and 8 s for the pack on a fresh clone or CI runner), and even with a warm
// cache loads the TypeScript compiler. Why not tsx's register(): it also reads and scans every .js file
// of the SDKs (for ESM syntax) as they load, about 0.5 s for the program and 1 s for the pack. This
// hooks .ts only. The type check is `npm run build` (tsc --noEmit); the tests run the same code with tsx.
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const Module = require("node:module");

const root = path.join(__dirname, "..");

/** esbuild's package folder: it comes with tsx (a dev dependency); npm hoists it, but look inside tsx as well. */
function esbuildDir() {
  for (const from of [root, path.join(root, "node_modules", "tsx")]) {
    try {
      return path.dirname(require.resolve("esbuild/package.json", { paths: [from] }));
    } catch {
      // next
    }
  }
  return undefined;
}

/** The source maps of the .ts files loaded, by file name (JSON text until a stack trace needs one). */
const sourceMaps = new Map();

function sourceMapOf(file) {
  let m = sourceMaps.get(file);
  if (typeof m === "string") {
    m = new Module.SourceMap(JSON.parse(m));
    sourceMaps.set(file, m);
  }
  return m;
}

/** A stack frame as V8 prints it, at the .ts line and column for the files loaded here. */
function frame(site) {
  const text = String(site);
  const file = site.getFileName();
  const map = file?.endsWith(".ts") ? sourceMapOf(file) : undefined;
  if (map === undefined) return text;
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  const entry = map.findEntry(line - 1, column - 1);
  if (!entry || entry.originalLine === undefined) return text;
  const at = `${file}:${line}:${column}`;
  const i = text.lastIndexOf(at);
  return i < 0 ? text : `${text.slice(0, i)}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(i + at.length)}`;
}

/**
 * Stack traces in V8's format with the .ts positions of the files loaded here; other frames as V8 has
 * them. It replaces the source-map-support the SDK (and ts-node) install, which map every frame of
 * every stack through the SDK's own .js.map files, and Node's source maps, which read the .js.map of
 * every module as it loads: the SDK records a full stack trace for each resource.
 */
function prepareStackTrace(error, sites) {
  let header;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "<error>";
  }
  return header + sites.map((site) => `\n    at ${frame(site)}`).join("");
}

/**
 * Registers the .ts loader; false when esbuild is not installed (nothing is registered then).
 * Each transform is kept in a cache folder (~/.cache/homelab-ts-loader, the user's own) under the hash of everything it
 * depends on: esbuild's version, the options, the file's name and its full text. An edited file is a
 * new key, so a stale result cannot be used; a warm run does not start esbuild at all.
 */
exports.register = function register() {
  const dir = esbuildDir();
  if (dir === undefined) return false;
  const esbuildVersion = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  let esbuild;
  // the compiler options that change the emitted JavaScript (target, class fields, interop) as tsc has them
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.json"), "utf8"));
  const options = {
    loader: "ts",
    format: "cjs",
    target: `node${process.versions.node.split(".")[0]}`,
    sourcemap: "external",
    tsconfigRaw: { compilerOptions },
  };
  const salt = JSON.stringify([esbuildVersion, options]);
  // in the user's own cache folder, not the shared temporary one: whoever can write a cached transform
  // there runs code as the user who runs `pulumi`; a folder that others may write is not used at all
  const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "homelab-ts-loader");
  let cacheTrusted = false;
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(cacheDir);
    cacheTrusted = (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
  } catch {
    // no cache folder: every run transforms
  }
  Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(salt).update("\0").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.json`);
    let out;
    try {
      if (!cacheTrusted) throw new Error("no trusted cache");
      out = JSON.parse(fs.readFileSync(cached, "utf8"));
    } catch {
      esbuild ??= require(dir);
      const { code, map } = esbuild.transformSync(source, { ...options, sourcefile: filename });
      out = { code, map };
      try {
        if (!cacheTrusted) throw new Error("no trusted cache");
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(out));
        fs.renameSync(tmp, cached);
      } catch {
        // no cache: the next run transforms again
      }
    }
    sourceMaps.set(filename, out.map);
    module._compile(out.code, filename);
  };
  Error.prepareStackTrace = prepareStackTrace;
  // Node's compile cache (22.1+; off with NODE_DISABLE_COMPILE_CACHE=1): V8's bytecode of every module
  // loaded from here on, kept under its source's hash in the same trusted folder. The SDKs' modules then
  // compile from it (loading the SDKs: about 0.25 s of CPU less on a warm run).
  if (cacheTrusted) Module.enableCompileCache?.(path.join(cacheDir, "v8"));
  return true;
};
