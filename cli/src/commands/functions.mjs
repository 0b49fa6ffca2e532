/**
 * Commands about functions as code: login, init, deploy, dev (watch and redeploy), and their
 * versions, rollbacks, listing, deletion and tool definitions.
 * Imports esbuild, node:* and the CLI's own modules.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";
import { createClient, KilnError } from "../api.mjs";
import { bundle, bundleOptions, checkBundle, discoverFunctions, EXTERNAL, kib } from "../bundle.mjs";
import { configPath, localTarget, writeConfig } from "../config.mjs";
import { emit, isoTime, pc, spinner, table } from "../output.mjs";
import { scaffold } from "../scaffold.mjs";
import { enc, int, withClient } from "./shared.mjs";

async function login(opts) {
  let target;
  if (opts.local) {
    target = localTarget();
    if (!target) throw new KilnError("no .dev.vars with KILN_ADMIN_KEY here or above: run `npm run dev` in the Kiln checkout first");
  } else {
    if (!opts.url) throw new KilnError("give --url <url> (and --key <key>), or --local");
    const key = opts.key ?? process.env.KILN_API_KEY;
    if (!key) throw new KilnError("give --key <key> (or set KILN_API_KEY)");
    target = { url: opts.url.replace(/\/+$/, ""), key };
  }
  // Check the pair before storing it, so a typo fails here rather than on the next command.
  await createClient(target).get("/v1/functions");
  const file = configPath();
  writeConfig({ url: target.url, key: target.key }, file);
  emit(opts, { url: target.url, config: file }, () => `${pc.green("✔")} logged in to ${target.url} (saved in ${file})`);
}

/** Where the `kiln` SDK's types are in this checkout, for the scaffolded tsconfig `paths`. */
function sdkTypes() {
  const file = new URL("../../../workers/runtime/isolate/kiln.ts", import.meta.url).pathname;
  return existsSync(file) ? file : null;
}

function init(name, opts) {
  const dir = path.resolve(opts.dir ?? name);
  if (existsSync(path.join(dir, "index.ts"))) throw new KilnError(`${dir}/index.ts already exists`);
  const files = scaffold(name, dir, sdkTypes());
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  emit(opts, { dir, files: Object.keys(files) }, () =>
    [
      `${pc.green("✔")} created ${dir}`,
      ...Object.keys(files).map((f) => `  ${f}`),
      "",
      `next: kiln deploy ${path.relative(process.cwd(), dir) || "."}`,
    ].join("\n"),
  );
}

/** `tsc --noEmit` in the function's folder, with the project's TypeScript or the CLI's. */
function typecheck(dir) {
  if (!existsSync(path.join(dir, "tsconfig.json")))
    throw new KilnError(`--typecheck needs a tsconfig.json in ${dir} (kiln init writes one)`);
  let tsc;
  for (const from of [path.join(dir, "x.js"), import.meta.url]) {
    try {
      tsc = createRequire(from).resolve("typescript/bin/tsc");
      break;
    } catch {}
  }
  if (!tsc) throw new KilnError("--typecheck needs the typescript package (npm install -D typescript)");
  const res = spawnSync(process.execPath, [tsc, "--noEmit", "-p", dir], { encoding: "utf8" });
  if (res.status !== 0) throw new KilnError(`type errors in ${dir}:\n${res.stdout}${res.stderr}`);
}

/** Sends one bundle to Kiln; returns what the CLI reports about the new version. */
async function upload(client, fn, built) {
  const v = await client.post("/v1/functions", { name: fn.name, files: { "index.js": built.code }, entry: "index.js" });
  const exposures = v.manifest?.exposures ?? { tool: true };
  return {
    function: fn.name,
    version: v.number,
    sizeBytes: built.bytes,
    toolUrl: exposures.tool ? `${client.url}/v1/tools/${fn.name}` : null,
    warnings: v.warnings ?? [],
  };
}

function printDeployed(r) {
  const lines = [`${pc.green("✔")} ${pc.bold(r.function)} v${r.version} deployed (${kib(r.sizeBytes)})`];
  if (r.toolUrl) lines.push(`  tool: POST ${r.toolUrl}`);
  for (const w of r.warnings) lines.push(`  ${pc.yellow("warning")} ${typeof w === "string" ? w : (w.message ?? JSON.stringify(w))}`);
  return lines.join("\n");
}

function dryRunReport(fn, built) {
  return {
    function: fn.name,
    entry: fn.entry,
    sizeBytes: built.bytes,
    external: EXTERNAL,
    biggestInputs: built.inputs,
    body: { name: fn.name, entry: "index.js", files: ["index.js"] },
  };
}

async function deploy(target, opts) {
  const fns = functionsAt(target, opts);
  const client = opts.dryRun ? null : createClient();
  const results = [];
  for (const fn of fns) {
    if (opts.typecheck) typecheck(fn.dir);
    const spin = spinner(opts, `bundling ${fn.name}`);
    try {
      const built = await bundle(fn.entry, { minify: opts.minify });
      if (opts.dryRun) {
        spin.stop();
        results.push(dryRunReport(fn, built));
        continue;
      }
      spin.update({ text: `deploying ${fn.name} (${kib(built.bytes)})` });
      results.push(await upload(client, fn, built));
      spin.stop();
    } catch (err) {
      spin.error({ text: `${fn.name} failed` });
      throw err;
    }
  }
  emit(opts, results.length === 1 ? results[0] : results, () =>
    results.map((r) => (opts.dryRun ? printDryRun(r) : printDeployed(r))).join("\n"),
  );
}

function printDryRun(r) {
  const inputs = r.biggestInputs.map((i) => `    ${kib(i.bytes).padStart(10)}  ${i.input}`).join("\n");
  return `${pc.bold(r.function)} (${r.entry}): would send index.js, ${kib(r.sizeBytes)}; imports left to Kiln: ${r.external.join(", ")}\n  biggest inputs:\n${inputs}`;
}

/** Rebuilds each function on save (esbuild watches every input) and redeploys it. */
/** The functions under `target`, `--name` renaming a single one. */
function functionsAt(target, opts) {
  const fns = discoverFunctions(target ?? ".");
  if (opts.name && fns.length > 1) throw new KilnError("--name only works with a single function");
  if (opts.name) fns[0].name = opts.name;
  return fns;
}

async function dev(target, opts) {
  const fns = functionsAt(target, opts);
  const client = createClient();
  for (const fn of fns) {
    const redeploy = {
      name: "kiln-redeploy",
      setup(b) {
        b.onEnd(async (result) => {
          const at = pc.dim(new Date().toLocaleTimeString());
          try {
            if (result.errors.length > 0)
              throw new KilnError(
                result.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("\n  "),
              );
            const r = await upload(client, fn, checkBundle(result, fn.entry));
            emit(opts, r, () => `${at} ${printDeployed(r)}`);
          } catch (err) {
            if (!(err instanceof KilnError)) throw err;
            emit(opts, { function: fn.name, error: err.message }, () => `${at} ${pc.red("✘")} ${fn.name}: ${err.message}`);
          }
        });
      },
    };
    const options = bundleOptions(fn.entry, { minify: opts.minify });
    const ctx = await esbuild.context({ ...options, plugins: [...options.plugins, redeploy] });
    await ctx.watch();
  }
  if (!opts.json) process.stderr.write(pc.dim(`watching ${fns.map((f) => f.name).join(", ")}; Ctrl-C to stop\n`));
  await new Promise(() => {});
}

export function registerFunctions(program) {
  program
    .command("login")
    .description("store the Kiln URL and API key (KILN_URL / KILN_API_KEY override them)")
    .option("--url <url>", "the Kiln server, e.g. https://kiln.example.com")
    .option("--key <key>", "an API key (kiln_…) or the admin key")
    .option("--local", "use the local server of `npm run dev` (its .dev.vars admin key; PORT or 8787)")
    .action((_opts, cmd) => login(cmd.optsWithGlobals()));
  program
    .command("init <name>")
    .description("scaffold a function folder: index.ts, package.json, tsconfig.json")
    .option("--dir <dir>", "folder to create (default: <name>)")
    .action((name, _opts, cmd) => init(name, cmd.optsWithGlobals()));
  program
    .command("deploy [path]")
    .description("bundle (npm packages included) and deploy a function file, a function folder, or a folder of function folders")
    .option("--name <name>", "function name (default: package.json name, else the folder or file name)")
    .option("--dry-run", "bundle only: print what would be sent and its size")
    .option("--typecheck", "run tsc --noEmit in the function's folder first")
    .option("--minify", "minify the bundle (smaller; stack traces point into minified code)")
    .action((target, _opts, cmd) => deploy(target, cmd.optsWithGlobals()));
  program
    .command("dev [path]")
    .description("watch the function's files and redeploy on every save")
    .option("--name <name>", "function name (default: package.json name, else the folder or file name)")
    .option("--minify", "minify the bundle")
    .action((target, _opts, cmd) => dev(target, cmd.optsWithGlobals()));
  const functions = program.command("functions").description("list or delete functions");
  functions.command("list", { isDefault: true }).action(
    withClient(async (c, opts) => {
      const { items } = await c.get("/v1/functions");
      emit(opts, items, () =>
        table(
          ["NAME", "ACTIVE", "TOOL", "JOB", "LAST RUN"],
          items.map((f) => [
            f.name,
            f.activeVersion === null ? "—" : `v${f.activeVersion}`,
            f.exposures?.tool ? "yes" : "no",
            f.exposures?.job ? "yes" : "no",
            f.lastRun ? `${f.lastRun.status} ${isoTime(f.lastRun.createdAt)}` : "",
          ]),
        ),
      );
    }),
  );
  functions
    .command("delete <name>")
    .description("delete a function and its versions (its live jobs are cancelled)")
    .action(
      withClient(async (c, opts, name) =>
        emit(
          opts,
          (await c.request("DELETE", `/v1/functions/${enc(name)}`)) ?? { deleted: name },
          () => `${pc.green("✔")} deleted ${name}`,
        ),
      ),
    );
  program
    .command("versions <function>")
    .description("a function's version history")
    .action(
      withClient(async (c, opts, name) => {
        const { items } = await c.get(`/v1/functions/${enc(name)}/versions`);
        emit(opts, items, () =>
          table(
            ["VERSION", "ACTIVE", "CREATED", "SIZE", "SHA-256"],
            items.map((v) => [
              `v${v.number}`,
              v.active ? pc.green("active") : "",
              isoTime(v.createdAt),
              kib(v.sizeBytes),
              v.sha256.slice(0, 12),
            ]),
          ),
        );
      }),
    );
  program
    .command("rollback <function> <version>")
    .description("make an older version active again")
    .action(
      withClient(async (c, opts, name, version) => {
        const v = await c.post(`/v1/functions/${enc(name)}/rollback`, { version: int(String(version).replace(/^v/, "")) });
        emit(opts, v, () => `${pc.green("✔")} ${name} now runs v${v.activeVersion}`);
      }),
    );
  program
    .command("tools")
    .description("the tool definitions of your functions")
    .option("--format <format>", "kiln | openai | anthropic | mcp", "kiln")
    .action(withClient(async (c, opts) => emit({ json: true }, await c.get("/v1/tools", { query: { format: opts.format } }))));
}
