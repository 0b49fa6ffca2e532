/**
 * Turns a function's entry file into the one ES module Kiln stores: npm packages bundled in,
 * `kiln`, `node:*` and `cloudflare:*` left as imports (the isolate provides them), built for
 * workerd. Also finds the functions under a path. Imports esbuild and node:*.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { KilnError } from "./api.mjs";

/** Kiln's limit on the sources of one deploy (MAX_SOURCE_BYTES in workers/lib/contracts/functions.ts). */
export const MAX_SOURCE_BYTES = 512 * 1024;
/** Import specifiers the isolate resolves itself; everything else must be bundled. */
export const EXTERNAL = ["kiln", "node:*", "cloudflare:*"];
const EXTERNAL_RE = /^(kiln|node:.*|cloudflare:.*)$/;
const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ENTRY_CANDIDATES = ["index.ts", "index.js", "index.mts", "index.mjs", "src/index.ts", "src/index.js"];

/**
 * esbuild options for one function. `platform: neutral` with workerd's conditions picks the
 * Worker builds of packages (not their Node builds, which would import bare `fs`, `http`…).
 */
export function bundleOptions(entry, { minify = false } = {}) {
  return {
    entryPoints: [path.resolve(entry)],
    absWorkingDir: path.dirname(path.resolve(entry)),
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    resolveExtensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".json"],
    external: EXTERNAL,
    outfile: "index.js",
    minify,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
    // The tsconfig `paths` that point `kiln` at its types for the editor must not pull the SDK in.
    plugins: [{ name: "kiln-externals", setup: (b) => b.onResolve({ filter: EXTERNAL_RE }, (a) => ({ path: a.path, external: true })) }],
  };
}

/** The biggest contributors to a bundle, grouped by npm package (or by file for your own code). */
export function biggestInputs(metafile, count = 8) {
  const totals = new Map();
  for (const output of Object.values(metafile.outputs))
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file.replaceAll("\\", "/"));
      const key = m ? m[1] : file;
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  return [...totals.entries()]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Turns esbuild's failure into one message listing each error with its place. */
function buildError(err, entry) {
  const lines = (err.errors ?? []).map((e) =>
    e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
  );
  return new KilnError(`bundling ${entry} failed:\n  ${lines.join("\n  ") || err.message}`);
}

/** Checks a built bundle against Kiln's limit and returns `{code, bytes, inputs}`. */
export function checkBundle(result, entry) {
  const code = result.outputFiles[0].text;
  const bytes = Buffer.byteLength(code);
  const inputs = biggestInputs(result.metafile);
  if (bytes > MAX_SOURCE_BYTES) {
    const list = inputs.map((i) => `  ${kib(i.bytes).padStart(10)}  ${i.input}`).join("\n");
    throw new KilnError(`${entry}: the bundle is ${kib(bytes)}, over Kiln's limit of ${kib(MAX_SOURCE_BYTES)}. Biggest inputs:\n${list}`);
  }
  return { code, bytes, inputs };
}

/** Bundles one entry file. */
export async function bundle(entry, options) {
  let result;
  try {
    result = await esbuild.build(bundleOptions(entry, options));
  } catch (err) {
    throw buildError(err, entry);
  }
  return checkBundle(result, entry);
}

function readPackage(dir) {
  if (!dir) return null;
  const file = path.join(dir, "package.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new KilnError(`${file} is not valid JSON`);
  }
}

/** The entry file of a function folder, or null: package.json `kiln.entry` or `main`, then index.ts… */
export function folderEntry(dir) {
  const pkg = readPackage(dir);
  const declared = pkg?.kiln?.entry ?? pkg?.main;
  const candidates = declared ? [declared, ...ENTRY_CANDIDATES] : ENTRY_CANDIDATES;
  const found = candidates.map((c) => path.join(dir, c)).find((f) => existsSync(f) && statSync(f).isFile());
  return found ?? null;
}

/** A function's name: package.json `kiln.name` or `name` (scope dropped), else the folder or file name. */
export function functionName(entry, dir) {
  const pkg = readPackage(dir);
  const base = path.basename(entry).replace(/\.[cm]?[jt]sx?$/, "");
  const fromPkg = pkg?.kiln?.name ?? pkg?.name?.replace(/^@[^/]+\//, "");
  const name = fromPkg ?? (base === "index" ? path.basename(path.resolve(dir)) : base);
  if (!FUNCTION_NAME.test(name))
    throw new KilnError(
      `"${name}" is not a function name (a-z, 0-9 and '-', starting with a letter): set "name" in package.json or pass --name`,
    );
  return name;
}

/**
 * The functions under a path: a file, a function folder, or a folder of function folders
 * (`functions/*\/`). Returns `[{name, entry, dir}]`.
 */
export function discoverFunctions(target) {
  const abs = path.resolve(target);
  if (!existsSync(abs)) throw new KilnError(`${target} does not exist`);
  if (statSync(abs).isFile()) {
    const dir = path.dirname(abs);
    const pkgEntry = folderEntry(dir);
    const name = pkgEntry === abs ? functionName(abs, dir) : functionName(abs, null);
    return [{ name, entry: abs, dir }];
  }
  const own = folderEntry(abs);
  if (own) return [{ name: functionName(own, abs), entry: own, dir: abs }];
  const found = readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "node_modules" && !d.name.startsWith("."))
    .map((d) => path.join(abs, d.name))
    .map((dir) => ({ dir, entry: folderEntry(dir) }))
    .filter((f) => f.entry)
    .map((f) => ({ name: functionName(f.entry, f.dir), entry: f.entry, dir: f.dir }));
  if (found.length === 0)
    throw new KilnError(`no function in ${target}: expected an index.ts (or package.json "main") there or in its subfolders`);
  return found;
}
