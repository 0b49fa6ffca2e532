// Deploying functions: TypeScript and several files, immutable versions, rollback, and bad
// deploys that are refused with the compiler's message and leave the active version alone.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FunctionDetail, FunctionView } from "../../workers/lib/contracts/functions";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const version = (label: string) => `
import { defineFunction, z } from "kiln";
export default defineFunction({ description: "v-${label}", input: z.object({}), run: () => "${label}" });`;

async function countVersions(name: string): Promise<number> {
  const row = await env.DB.prepare(
    "select count(*) as n from function_versions v join functions f on f.id = v.function_id where f.name = ?",
  )
    .bind(name)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("deploying functions", () => {
  it("deploys several TypeScript files with relative imports and JSON data", async () => {
    const res = await api("/v1/functions", {
      body: {
        name: "multi",
        entry: "src/main.ts",
        files: {
          "src/main.ts": `import { defineFunction, z } from "kiln";
import { greet } from "./lib/greet";
import data from "../data/names.json";
interface Input { name: string }
export default defineFunction({
  description: "Greets people",
  input: z.object({ name: z.string() }),
  run: (input: Input) => ({ text: greet(input.name), known: data.includes(input.name) }),
});`,
          "src/lib/greet.ts": `export const greet = (name: string): string => \`Hello, \${name}!\`;`,
          "data/names.json": `["Ada", "Grace"]`,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({
      function: "multi",
      number: 1,
      entry: "src/main.ts",
      manifest: { description: "Greets people" },
    });
    const call = await api("/v1/tools/multi", { body: { name: "Ada" } });
    expect(await json(call)).toEqual({ text: "Hello, Ada!", known: true });
  });

  it("keeps immutable versions, rolls back, and records the version of every run", async () => {
    await deploy("versioned", version("one"));
    await deploy("versioned", version("two"));
    const first = await api("/v1/tools/versioned", { body: {} });
    expect(await json(first)).toBe("two");

    const versions = await json(await api("/v1/functions/versioned/versions"));
    expect(versions.items.map((v: any) => [v.number, v.active, v.manifest.description, v.createdBy])).toEqual([
      [2, true, "v-two", "admin"],
      [1, false, "v-one", "admin"],
    ]);
    const source = await json(await api("/v1/functions/versioned/versions/1"));
    expect(source.files["index.ts"]).toContain('run: () => "one"');

    const back = await api("/v1/functions/versioned/rollback", { body: { version: 1 } });
    expect(await json(back)).toMatchObject({ activeVersion: 1, currentVersion: { number: 1, active: true } });
    const second = await api("/v1/tools/versioned", { body: {} });
    expect(await json(second)).toBe("one");

    const runs = await Promise.all([first, second].map((r) => waitForRun(r.headers.get("kiln-run-id")!)));
    expect(runs.map((r) => r.version)).toEqual([2, 1]);
    await expectProblem(await api("/v1/functions/versioned/rollback", { body: { version: 9 } }), 404, "not_found");
  });

  it("treats an identical redeploy as a no-op that says so; a changed manifest or code is a new version", async () => {
    const first = await deploy("same", version("a"));
    expect(first).toMatchObject({ number: 1, unchanged: false });
    const again = await api("/v1/functions", { body: { name: "same", code: version("a") } });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: first.id, number: 1, active: true, unchanged: true });
    expect(await countVersions("same")).toBe(1);

    expect(await deploy("same", version("a"), { timeoutMs: 5_000 })).toMatchObject({ number: 2, unchanged: false });
    expect(await deploy("same", version("b"))).toMatchObject({ number: 3, unchanged: false });
    // Back on v1 by rollback, v1's code is the active one again: deploying it changes nothing.
    await api("/v1/functions/same/rollback", { body: { version: 1 } });
    const back = await api("/v1/functions", { body: { name: "same", code: version("a") } });
    expect(await json(back)).toMatchObject({ number: 1, unchanged: true });
    expect(await countVersions("same")).toBe(3);
    const audit = await json(await api("/v1/audit?action=function.deploy"));
    expect(audit.items.filter((e: any) => e.target === "same")).toHaveLength(3);
  });

  it("refuses a syntax error with the compiler's message and line, and activates nothing", async () => {
    await deploy("stable", version("good"));
    const res = await api("/v1/functions", {
      body: { name: "stable", code: `import { defineFunction } from "kiln";\n\nconst x: number = (1;\nexport default x;` },
    });
    const problem = await expectProblem(res, 400, "compile_error");
    expect(problem.location).toEqual({ file: "index.ts", line: 3, column: expect.any(Number) });
    expect(problem.detail).toMatch(/^index\.ts:3:\d+: Unexpected token/);
    expect(await countVersions("stable")).toBe(1);
    expect(await json(await api("/v1/tools/stable", { body: {} }))).toBe("good");
  });

  it("refuses code that fails to load, unknown imports and a missing default export", async () => {
    const cases = [
      [`throw new Error("boom at load");\nexport default 1;`, "load_error", /boom at load/],
      [`import _ from "lodash"; export default _;`, "compile_error", /cannot resolve import "lodash"/],
      [`import { x } from "./missing"; export default x;`, "compile_error", /no such file/],
      [`export const notDefault = 1;`, "load_error", /default export must be defineFunction/],
    ] as const;
    for (const [code, errorCode, detail] of cases) {
      const problem = await expectProblem(await api("/v1/functions", { body: { name: "broken", code } }), 400, errorCode);
      expect(problem.detail).toMatch(detail);
    }
    expect(await countVersions("broken")).toBe(0);
    await expectProblem(await api("/v1/functions/broken"), 404, "not_found");
  });

  it("says where code that fails to load threw: file, line and column", async () => {
    const files = {
      "index.ts": `import { defineFunction, z } from "kiln";\nimport { limit } from "./lib/config";\nexport default defineFunction({ input: z.object({}), run: () => limit });`,
      "lib/config.ts": `const raw: string = "";\n\nexport const limit: number = JSON.parse(raw);\n`,
    };
    const problem = await expectProblem(
      await api("/v1/functions", { body: { name: "broken", files, entry: "index.ts" } }),
      400,
      "load_error",
    );
    expect(problem.detail).toMatch(/JSON/);
    expect(problem.location).toEqual({ file: "lib/config.ts", line: 3, column: expect.any(Number) });
  });

  it("refuses oversized sources with 413", async () => {
    const big = `export default ${JSON.stringify("x".repeat(600 * 1024))};`;
    await expectProblem(await api("/v1/functions", { body: { name: "huge", code: big } }), 413, "payload_too_large");
    const bigger = "y".repeat(1100 * 1024);
    await expectProblem(await api("/v1/functions", { body: { name: "huge", code: bigger } }), 413, "payload_too_large");
    expect(await countVersions("huge")).toBe(0);
  });

  it("validates deploy requests field by field", async () => {
    const problem = await expectProblem(
      await api("/v1/functions", { body: { name: "Bad Name", code: "x", manifest: { timeoutMs: -1, egress: ["http://x"] } } }),
      400,
      "validation_failed",
    );
    expect(problem.issues.map((i: any) => i.path).sort()).toEqual(["/manifest/egress/0", "/manifest/timeoutMs", "/name"]);
    await expectProblem(
      await api("/v1/functions", { rawBody: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    await expectProblem(
      await api("/v1/functions", { rawBody: "name=x", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
  });

  it("lists functions with their exposures and last run, and deletes them", async () => {
    await deploy("listed", version("l"), { exposures: { tool: true, job: false } });
    await api("/v1/tools/listed", { body: {} }).then((r) => waitForRun(r.headers.get("kiln-run-id")!));
    const list = await json(await api("/v1/functions"));
    const item = list.items.find((f: any) => f.name === "listed");
    expect(item).toMatchObject({ activeVersion: 1, exposures: { tool: true, job: false }, lastRun: { status: "succeeded" } });
    // The detail is the list item plus more: every field the list has, with the same value and shape.
    const detail = FunctionDetail.parse(await json(await api("/v1/functions/listed")));
    expect(FunctionView.parse(item)).toEqual(FunctionView.parse(detail));
    expect(detail).toMatchObject({ activeVersion: 1, currentVersion: { number: 1, active: true }, versions: 1, concurrency: null });
    expect((await api("/v1/functions/listed", { method: "DELETE" })).status).toBe(204);
    await expectProblem(await api("/v1/tools/listed", { body: {} }), 404, "not_found");
    await expectProblem(await api("/v1/functions/listed", { method: "DELETE" }), 404, "not_found");
  });

  it("keeps what the code declares for fields a deploy's manifest overrides leave out", async () => {
    const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), jobTimeoutMs: 5000, rateLimit: { requests: 5, perSeconds: 1 }, run: () => 1 });`;
    const res = await api("/v1/functions", { body: { name: "declared", code, manifest: { description: "from the request" } } });
    const version = await json(res);
    expect(res.status).toBe(201);
    expect(version.manifest).toMatchObject({
      description: "from the request",
      jobTimeoutMs: 5000,
      rateLimit: { requests: 5, perSeconds: 1 },
    });
  });
});
