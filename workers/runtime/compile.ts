/**
 * Turns deployed source files (TypeScript or JavaScript) into Worker Loader modules: types are
 * stripped per file with sucrase, and import specifiers are rewritten to absolute module names
 * (the Loader resolves bare names relative to the importing folder; see platform notes §14).
 * Pure apart from the libraries; the result is a value, never a throw.
 */
import { init, parse } from "es-module-lexer/js";
import { type Transform, transform } from "sucrase";

export interface CompiledModules {
  /** Module name (e.g. `fn/index.js`) → JavaScript. */
  modules: Record<string, string>;
  /** The module name of the entry file. */
  entry: string;
}

export interface CompileFailure {
  reason: "syntax" | "import" | "entry" | "duplicate";
  message: string;
  file: string;
  line: number;
  column: number;
}

export type CompileResult = { ok: true; value: CompiledModules } | { ok: false; error: CompileFailure };

const FN_DIR = "fn";

/** `src/util.ts` → `fn/src/util.js`: the Loader module name of a deployed source file. */
export function moduleName(path: string): string {
  return `${FN_DIR}/${path.replace(/\.(ts|mts|mjs|json)$/, (ext) => (ext === ".json" ? ".json.js" : ".js"))}`;
}

/**
 * Where in the deployed sources an error thrown while loading comes from: the first stack frame
 * in one of the function's modules (`fn/lib/h.js:3:9`), mapped back to its source path. sucrase
 * keeps line numbers, so the line is the source's; the column may be off by stripped types.
 */
export function loadErrorLocation(stack: string, paths: readonly string[]): { file: string; line: number; column: number } | null {
  const byModule = new Map(paths.map((p) => [moduleName(p), p]));
  for (const m of stack.matchAll(/\/?((?:[A-Za-z0-9_\-.]+\/)*[A-Za-z0-9_\-.]+\.js):(\d+):(\d+)/g)) {
    const file = byModule.get(m[1] ?? "") ?? byModule.get(`${FN_DIR}/${m[1]}`);
    if (file) return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return null;
}

function normalize(parts: string[]): string | null {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

/** Resolves a relative specifier against the importing file to a deployed source path. */
function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  const dir = from.split("/").slice(0, -1);
  const base = normalize([...dir, ...specifier.split("/")]);
  if (base === null) return null;
  const stem = base.replace(/\.(js|mjs)$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.js`, `${stem}.mjs`, `${base}/index.ts`, `${base}/index.js`];
  return candidates.find((c) => files.has(c)) ?? null;
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

async function rewriteImports(
  path: string,
  code: string,
  files: ReadonlySet<string>,
): Promise<{ ok: true; code: string } | { ok: false; error: CompileFailure }> {
  await init;
  const [imports] = parse(code, path);
  let out = "";
  let last = 0;
  for (const imp of imports) {
    // import.meta and non-literal dynamic imports have no specifier to rewrite.
    if (imp.type === "import-meta" || imp.specifier === undefined) continue;
    const specifier = imp.specifier;
    let target: string | null;
    if (specifier === "kiln") target = "/kiln";
    else if (specifier.startsWith("./") || specifier.startsWith("../")) {
      const resolved = resolveRelative(path, specifier, files);
      target = resolved === null ? null : `/${moduleName(resolved)}`;
    } else if (specifier.startsWith("cloudflare:") || specifier.startsWith("node:")) target = specifier;
    else target = null;
    if (target === null) {
      const where = lineColumn(code, imp.start);
      const hint = specifier.startsWith(".")
        ? "no such file was deployed"
        : "only `kiln`, `node:*`, `cloudflare:*` and relative imports are available; bundle npm packages into your files";
      return { ok: false, error: { reason: "import", message: `cannot resolve import "${specifier}": ${hint}`, file: path, ...where } };
    }
    // Static specifiers are given without quotes, dynamic ones with them.
    const quoted = imp.type === "dynamic";
    out += code.slice(last, quoted ? imp.start + 1 : imp.start) + target;
    last = quoted ? imp.end - 1 : imp.end;
  }
  return { ok: true, code: out + code.slice(last) };
}

/** Compiles every file; the first error (with file, line and column) stops the build. */
export async function compile(files: Record<string, string>, entry: string): Promise<CompileResult> {
  const paths = new Set(Object.keys(files));
  if (!paths.has(entry)) {
    return {
      ok: false,
      error: { reason: "entry", message: `entry file "${entry}" is not among the files`, file: entry, line: 1, column: 1 },
    };
  }
  const modules: Record<string, string> = {};
  const sourceOf = new Map<string, string>();
  for (const [path, source] of Object.entries(files)) {
    // `a.ts` and `a.js` would both become module `fn/a.js`: one would silently shadow the other.
    const other = sourceOf.get(moduleName(path));
    if (other !== undefined) {
      const message = `"${path}" and "${other}" would be the same module; rename one of them`;
      return { ok: false, error: { reason: "duplicate", message, file: path, line: 1, column: 1 } };
    }
    sourceOf.set(moduleName(path), path);
    if (path.endsWith(".json")) {
      try {
        JSON.parse(source);
      } catch (e) {
        return { ok: false, error: { reason: "syntax", message: (e as Error).message, file: path, line: 1, column: 1 } };
      }
      modules[moduleName(path)] = `export default ${source};`;
      continue;
    }
    let code: string;
    let withUnusedImports: string;
    try {
      const isTs = /\.m?ts$/.test(path);
      const transforms: Transform[] = isTs ? ["typescript"] : [];
      const options = { transforms, filePath: path, disableESTransforms: true };
      code = transform(source, options).code;
      // TypeScript drops imports whose bindings are unused; check them anyway, so that an unused
      // npm import is refused like a used one (only `import type` is really type-only).
      withUnusedImports = isTs ? transform(source, { ...options, keepUnusedImports: true }).code : code;
    } catch (e) {
      const err = e as Error & { loc?: { line: number; column: number } };
      const message = err.message.replace(/^Error transforming [^:]+: /, "").replace(/ \(\d+:\d+\)$/, "");
      return { ok: false, error: { reason: "syntax", message, file: path, line: err.loc?.line ?? 1, column: err.loc?.column ?? 1 } };
    }
    if (withUnusedImports !== code) {
      const checked = await rewriteImports(path, withUnusedImports, paths);
      if (!checked.ok) return checked;
    }
    const rewritten = await rewriteImports(path, code, paths);
    if (!rewritten.ok) return rewritten;
    modules[moduleName(path)] = rewritten.code;
  }
  return { ok: true, value: { modules, entry: moduleName(entry) } };
}
