// The `kiln` CLI as a user runs it: spawned with Node against the shared local server. It
// deploys test/fixtures/cli-npm, which imports an npm package (croner, pinned in the root
// lockfile, so no network is needed) that only a bundle can carry, then calls and inspects it.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "cli/bin/kiln.mjs");
const fixture = path.join(root, "test/fixtures/cli-npm");
const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const home = mkdtempSync(path.join(os.tmpdir(), "kiln-cli-"));
const config = path.join(home, "kiln", "config.json");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kiln …`; `env` adds variables (KILN_URL/KILN_API_KEY are not set unless given). */
async function kiln(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base = { PATH: process.env.PATH ?? "", HOME: home, KILN_CONFIG: config, NO_COLOR: "1" };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}
const json = (r: Result) => JSON.parse(r.stdout);

describe("kiln CLI", () => {
  beforeAll(async () => {
    const r = await kiln(["login", "--url", url, "--key", adminKey]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("login stores the URL and key in a file only the user can read; a wrong key is not stored", async () => {
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ url, key: adminKey });
    const bad = await kiln(["login", "--url", url, "--key", "not-a-key"], { KILN_CONFIG: path.join(home, "other.json") });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("401");
    // The environment wins over the stored file.
    const viaEnv = await kiln(["functions", "--json"], { KILN_API_KEY: "wrong" });
    expect(viaEnv.code).toBe(1);
  });

  it("deploys a function that imports an npm package, calls it and shows its trace", async () => {
    const deployed = await kiln(["deploy", fixture, "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(json(deployed)).toMatchObject({ function: "cli-npm", version: expect.any(Number), toolUrl: `${url}/v1/tools/cli-npm` });

    const input = JSON.stringify({ cron: "0 9 * * 1-5", from: "2026-12-04T10:00:00Z", count: 2 });
    const called = await kiln(["invoke", "cli-npm", "--data", input, "--json"]);
    expect(called.code, called.stderr).toBe(0);
    const out = json(called);
    // Friday 10:00 → next Monday and Tuesday 09:00: croner ran inside the function's isolate.
    expect(out.output).toEqual({ times: ["2026-12-07T09:00:00.000Z", "2026-12-08T09:00:00.000Z"] });
    expect(out.runId).toMatch(/^run_/);

    let tree: Result | undefined;
    for (let i = 0; i < 50; i++) {
      tree = await kiln(["runs", "get", out.runId]);
      if (tree.code === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(tree?.stdout).toContain("succeeded");
    expect(tree?.stdout).toMatch(/info\s+computed \{"count":2\}/);
    const logs = await kiln(["logs", "cli-npm"]);
    expect(logs.stdout).toMatch(new RegExp(`${out.runId} info\\s+computed \\{"count":2\\}`));
  });

  it("kiln logs --follow prints a line written after it started", async () => {
    const child = spawn(process.execPath, [bin, "logs", "cli-npm", "--follow"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, KILN_CONFIG: config, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    try {
      // The stream starts at the newest line when it opens: give it a moment, then write one.
      await new Promise((r) => setTimeout(r, 1500));
      expect(out).toBe("");
      const input = JSON.stringify({ cron: "0 9 * * *", from: "2026-12-04T10:00:00Z", count: 3 });
      expect((await kiln(["invoke", "cli-npm", "--data", input])).code).toBe(0);
      for (let i = 0; i < 100 && !out.includes("computed"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/info\s+computed \{"count":3\}/);
    } finally {
      child.kill();
    }
  });

  it("a failing call exits non-zero with the problem detail (and JSON under --json)", async () => {
    await kiln(["deploy", fixture]);
    const input = JSON.stringify({ cron: "fail", from: "2026-12-04T10:00:00Z", count: 1 });
    const failed = await kiln(["invoke", "cli-npm", "--data", input]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("502 function_failed: asked to fail");
    expect(failed.stderr).toMatch(/run run_/);
    const asJson = await kiln(["invoke", "cli-npm", "--data", '{"cron":1}', "--json"]);
    expect(asJson.code).toBe(1);
    expect(json(asJson).error).toMatchObject({ status: 400 });
    const missing = await kiln(["invoke", "no-such-fn", "--data", "{}"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("404");
  });

  it("deploys every function of a folder and runs a job to its end", async () => {
    const folder = path.join(root, "test/fixtures/cli-folder");
    const deployed = await kiln(["deploy", folder, "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(
      json(deployed)
        .map((d: any) => d.function)
        .sort(),
    ).toEqual(["cli-job", "cli-shout"]);
    const shout = await kiln(["invoke", "cli-shout", "--data", '{"text":"hi"}', "--json"]);
    expect(json(shout).output).toBe("HI");
    const job = await kiln(["jobs", "start", "cli-job", "--data", '{"n":20}', "--wait", "--json"]);
    expect(job.code, job.stderr).toBe(0);
    expect(json(job)).toMatchObject({ status: "succeeded", output: 40 });
  });

  it("kiln dev redeploys the function each time its file is saved", async () => {
    const dir = path.join(home, "live");
    mkdirSync(dir, { recursive: true });
    const source = (word: string) =>
      `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}), run: () => "${word}" });\n`;
    writeFileSync(path.join(dir, "index.ts"), source("first"));
    const child = spawn(process.execPath, [bin, "dev", dir, "--name", "cli-live"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, KILN_CONFIG: config, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const until = async (re: RegExp) => {
      for (let i = 0; i < 150 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(re);
    };
    try {
      await until(/cli-live v(\d+) deployed/);
      const first = Number(/cli-live v(\d+) deployed/.exec(out)?.[1]);
      expect(json(await kiln(["invoke", "cli-live", "--json"])).output).toBe("first");
      writeFileSync(path.join(dir, "index.ts"), source("second"));
      await until(new RegExp(`cli-live v${first + 1} deployed`));
      expect(json(await kiln(["invoke", "cli-live", "--json"])).output).toBe("second");
    } finally {
      child.kill();
    }
  });
});
