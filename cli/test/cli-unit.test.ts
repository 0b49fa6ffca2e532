// Unit tests of the CLI's pure parts, in Node: bundle options and bundling (externals kept,
// npm packages inlined, the size limit naming the biggest inputs), the config file's
// permissions and precedence, function discovery, and the run tree.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain .mjs modules of the CLI.
import { bundle, bundleOptions, discoverFunctions, MAX_SOURCE_BYTES } from "../src/bundle.mjs";
// @ts-expect-error: plain .mjs modules of the CLI.
import { since } from "../src/commands/shared.mjs";
// @ts-expect-error: plain .mjs modules of the CLI.
import { configPath, localTarget, resolveTarget, writeConfig } from "../src/config.mjs";
// @ts-expect-error: plain .mjs modules of the CLI.
import { runTree } from "../src/output.mjs";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "kiln-cli-unit-"));
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

describe("bundling", () => {
  it("targets workerd: ESM, neutral platform, worker conditions, Kiln's modules left as imports", () => {
    const o = bundleOptions("/x/index.ts");
    expect(o).toMatchObject({ bundle: true, format: "esm", platform: "neutral", external: ["kiln", "node:*", "cloudflare:*"] });
    expect(o.conditions).toEqual(["workerd", "worker", "browser"]);
  });

  it("inlines npm packages and keeps kiln, node:* and cloudflare:* imports, even when tsconfig maps kiln to a file", async () => {
    const dir = tmp();
    write(
      path.join(dir, "node_modules/tiny-pkg/package.json"),
      JSON.stringify({ name: "tiny-pkg", exports: { workerd: "./worker.js", node: "./node.js", default: "./node.js" } }),
    );
    write(path.join(dir, "node_modules/tiny-pkg/worker.js"), "export const where = 'built-for-workerd';");
    write(path.join(dir, "node_modules/tiny-pkg/node.js"), "import fs from 'fs'; export const where = fs ? 'node' : '';");
    write(path.join(dir, "kiln-types.ts"), "export const defineFunction = (x: unknown) => x; // must not be bundled");
    write(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { paths: { kiln: ["./kiln-types.ts"] } } }));
    write(
      path.join(dir, "index.ts"),
      `import { defineFunction } from "kiln"; import { Buffer } from "node:buffer"; import { env } from "cloudflare:workers";
import { where } from "tiny-pkg"; export default defineFunction({ run: () => [where, Buffer.from("x"), env] });`,
    );
    const built = await bundle(path.join(dir, "index.ts"));
    expect(built.code).toContain("built-for-workerd");
    expect(built.code).not.toContain("must not be bundled");
    expect(built.code).not.toMatch(/from\s*["']tiny-pkg["']/);
    for (const m of ["kiln", "node:buffer", "cloudflare:workers"]) expect(built.code).toContain(`from "${m}"`);
    expect(built.inputs.map((i: any) => i.input)).toContain("tiny-pkg");
  });

  it("refuses a bundle over Kiln's limit, naming the biggest inputs with their sizes", async () => {
    const dir = tmp();
    write(path.join(dir, "node_modules/huge-pkg/package.json"), JSON.stringify({ name: "huge-pkg", main: "index.js" }));
    write(path.join(dir, "node_modules/huge-pkg/index.js"), `export const blob = ${JSON.stringify("x".repeat(MAX_SOURCE_BYTES))};`);
    write(path.join(dir, "index.ts"), `import { blob } from "huge-pkg"; export default { blob };`);
    await expect(bundle(path.join(dir, "index.ts"))).rejects.toThrow(
      /over Kiln's limit of 512\.0 KiB\. Biggest inputs:\n\s+512\.\d KiB\s+huge-pkg/,
    );
  });

  it("reports an unresolvable import with its place", async () => {
    const dir = tmp();
    write(path.join(dir, "index.ts"), `import x from "not-installed";\nexport default x;`);
    await expect(bundle(path.join(dir, "index.ts"))).rejects.toThrow(/index\.ts:1:\d+: Could not resolve "not-installed"/);
  });

  it("finds one function per folder, named by package.json or the folder, and refuses a bad name", () => {
    const dir = tmp();
    write(path.join(dir, "a/index.ts"), "");
    write(path.join(dir, "b/package.json"), JSON.stringify({ name: "@acme/bee", main: "src/main.ts" }));
    write(path.join(dir, "b/src/main.ts"), "");
    write(path.join(dir, "not-a-function/readme.md"), "");
    const found = discoverFunctions(dir).map((f: any) => [f.name, path.relative(dir, f.entry)]);
    expect(found.sort()).toEqual([
      ["a", "a/index.ts"],
      ["bee", "b/src/main.ts"],
    ]);
    expect(discoverFunctions(path.join(dir, "a/index.ts"))[0].name).toBe("a");
    write(path.join(dir, "Bad_Name.ts"), "");
    expect(() => discoverFunctions(path.join(dir, "Bad_Name.ts"))).toThrow(/not a function name/);
  });
});

describe("config", () => {
  it("is written with mode 600, also over an existing readable file", () => {
    const file = path.join(tmp(), "kiln", "config.json");
    write(file, "{}");
    chmodSync(file, 0o644);
    writeConfig({ url: "https://k.example", key: "kiln_x" }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ url: "https://k.example", key: "kiln_x" });
  });

  it("lives in the user's config directory; KILN_URL and KILN_API_KEY win over the file", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/c" }, "linux", "/h")).toBe("/c/kiln/config.json");
    expect(configPath({}, "darwin", "/h")).toBe("/h/.config/kiln/config.json");
    expect(configPath({ APPDATA: "C:\\A" }, "win32", "/h")).toContain("kiln");
    const stored = { url: "https://stored/", key: "stored-key" };
    expect(resolveTarget({}, stored)).toEqual({ url: "https://stored", key: "stored-key" });
    expect(resolveTarget({ KILN_URL: "http://env", KILN_API_KEY: "env-key" }, stored)).toEqual({ url: "http://env", key: "env-key" });
  });

  it("--local reads the admin key from .dev.vars above the current folder and the port from PORT", () => {
    const dir = tmp();
    write(path.join(dir, ".dev.vars"), "KILN_SIGNING_KEY=s\nKILN_ADMIN_KEY=admin-123\n");
    mkdirSync(path.join(dir, "fns/x"), { recursive: true });
    expect(localTarget(path.join(dir, "fns/x"), { PORT: "8801" })).toMatchObject({ url: "http://localhost:8801", key: "admin-123" });
    expect(localTarget(tmp(), {})).toBeNull();
  });
});

describe("output", () => {
  it("parses --since as a duration back from now or an ISO time", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(since("15m", now)).toBe("2026-12-03T11:45:00.000Z");
    expect(since("2026-12-01T00:00:00+01:00", now)).toBe("2026-11-30T23:00:00.000Z");
    expect(() => since("yesterday", now)).toThrow(/neither/);
  });

  it("prints a run as a tree: each step with its spans and log lines under it", () => {
    const tree: string = runTree({
      id: "run_1",
      function: "f",
      version: 2,
      status: "failed",
      trigger: "job",
      createdAt: "2026-12-03T12:00:00.000Z",
      durationMs: 40,
      error: { message: "boom", step: "pay", retryable: false },
      steps: [
        {
          name: "pay",
          kind: "step",
          status: "failed",
          attempt: 2,
          startedAt: "2026-12-03T12:00:00.000Z",
          endedAt: "2026-12-03T12:00:00.030Z",
          durationMs: 30,
          error: "boom",
          output: null,
        },
      ],
      spans: [
        {
          step: "pay",
          method: "POST",
          host: "api.example.com",
          path: "/charge",
          status: 500,
          startedAt: "2026-12-03T12:00:00.001Z",
          durationMs: 20,
          error: null,
        },
      ],
      logs: [{ level: "info", message: "charging", data: { amount: 3 }, step: "pay", at: "2026-12-03T12:00:00.002Z" }],
    });
    const lines = tree.split("\n");
    const step = lines.findIndex((l) => l.includes("step pay failed (attempt 2) 30 ms boom"));
    expect(step).toBeGreaterThan(0);
    expect(lines[step + 1]).toMatch(/^\s+→ POST api\.example\.com\/charge 500 20 ms/);
    expect(lines[step + 2]).toMatch(/^\s+info\s+charging \{"amount":3\}/);
    expect(tree).toContain('error in step "pay": boom');
  });
});

describe("kiln init", () => {
  // One tsc run (slow on a busy machine): the only error in the broken copy is the typo, and its
  // message shows the input type inferred through defineFunction, so the kiln types resolve.
  it("scaffolds a function whose editor types come from the SDK, and which bundles", async () => {
    const dir = tmp();
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [path.resolve(import.meta.dirname, "../bin/kiln.mjs"), ...args], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1" },
      });
    await run(["init", "greeter"]);
    const tsconfig = JSON.parse(readFileSync(path.join(dir, "greeter/tsconfig.json"), "utf8"));
    expect(tsconfig.compilerOptions.paths.kiln[0]).toMatch(/workers\/runtime\/isolate\/kiln\.ts$/);
    const { stdout } = await run(["deploy", "greeter", "--dry-run", "--json"]);
    expect(JSON.parse(stdout)).toMatchObject({ function: "greeter", external: ["kiln", "node:*", "cloudflare:*"] });
    const index = path.join(dir, "greeter/index.ts");
    writeFileSync(index, readFileSync(index, "utf8").replace("input.name ===", "input.nam ==="));
    const failed = await run(["deploy", "greeter", "--dry-run", "--typecheck"]).catch((err) => err);
    expect(failed.code).toBe(1);
    const errors = failed.stderr.split("\n").filter((l: string) => l.includes("error TS"));
    expect(errors).toEqual([expect.stringContaining("Property 'nam' does not exist on type '{ name: string; }'")]);
  }, 180_000);
});
