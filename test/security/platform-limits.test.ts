// What one tenant's schema or request can cost everyone else (issue 7: defects 1, 4, 6, 12, 13):
// user patterns never backtrack in Kiln's Worker, schemas Kiln cannot evaluate safely are refused
// at deploy, and every JSON route refuses too deep or too large bodies with a 4xx before work starts.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";
import { startJob } from "../helpers/jobs";

const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

async function runsOf(fn: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from runs where function_name = ?").bind(fn).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("user patterns never backtrack in Kiln's Worker", () => {
  beforeAll(async () => {
    await deploy(
      "redos",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ s: z.string().regex(/^(a+)+$/) }), run: (i) => i.s.length });`,
    );
  });

  it("refuses a catastrophic input at once, as a tool call and as a job, while /healthz keeps answering", async () => {
    // Backtracking on 35 characters blocked all of workerd for over a minute: these calls would hang.
    const evil = { s: `${"a".repeat(35)}!` };
    const [tool, job, health] = await Promise.all([
      api("/v1/tools/redos", { body: evil }),
      api("/v1/jobs", { body: { function: "redos", input: evil } }),
      api("/healthz", { key: null }),
    ]);
    const problem = await expectProblem(tool, 400, "validation_failed");
    expect(problem.issues).toEqual([{ path: "/s", message: 'String does not match the pattern "^(a+)+$".' }]);
    expect((await expectProblem(job, 400, "validation_failed")).issues[0].path).toBe("/input/s");
    expect(health.status).toBe(200);
    expect(await runsOf("redos")).toBe(0);
  });

  it("still runs the tool for input that matches", async () => {
    const res = await api("/v1/tools/redos", { body: { s: "aaaa" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toBe(4);
  });
});

describe("schemas are compiled at deploy", () => {
  const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}).passthrough(), run: () => "ok" });`;
  const deployWithInput = (input: unknown) => api("/v1/functions", { body: { name: "schema-probe", code, manifest: { input } } });

  it.each([
    [
      "an invalid pattern",
      { type: "object", properties: { a: { type: "string", pattern: "([" } } },
      "/manifest/input/properties/a/pattern",
    ],
    [
      "a reference that does not resolve",
      { type: "object", properties: { a: { $ref: "#/definitions/nope" } } },
      "/manifest/input/properties/a/$ref",
    ],
    [
      "a remote reference",
      { type: "object", properties: { a: { $ref: "https://example.com/s.json" } } },
      "/manifest/input/properties/a/$ref",
    ],
    ["a reference to itself", { type: "object", allOf: [{ $ref: "#" }] }, "/manifest/input"],
    [
      "a lookahead pattern",
      { type: "object", properties: { a: { type: "string", pattern: "^(?!x)" } } },
      "/manifest/input/properties/a/pattern",
    ],
    ["patternProperties", { type: "object", patternProperties: { "^(a+)+$": {} } }, "/manifest/input/patternProperties"],
    [
      "unbounded uniqueItems",
      { type: "object", properties: { xs: { type: "array", uniqueItems: true } } },
      "/manifest/input/properties/xs/uniqueItems",
    ],
  ])("refuses %s with a 400 naming the path, and activates nothing", async (_label, input, path) => {
    const problem = await expectProblem(await deployWithInput(input), 400, "validation_failed");
    expect(problem.issues.map((i: { path: string }) => i.path)).toEqual([path]);
    expect((await api("/v1/functions/schema-probe")).status).toBe(404);
  });

  it("keeps uniqueItems with a small bound, and refuses a long array before the quadratic check", async () => {
    const input = { type: "object", properties: { xs: { type: "array", uniqueItems: true, maxItems: 100, items: { type: "integer" } } } };
    expect((await deployWithInput(input)).status).toBe(201);
    const dup = await api("/v1/tools/schema-probe", { body: { xs: [1, 2, 1] } });
    expect((await expectProblem(dup, 400, "validation_failed")).issues[0].path).toBe("/xs");
    // ~117 KB of distinct numbers: the unbounded check took 4 s of the shared Worker.
    const long = await api("/v1/tools/schema-probe", { body: { xs: Array.from({ length: 30_000 }, (_, i) => i) } });
    expect((await expectProblem(long, 400, "validation_failed")).issues.map((i: { message: string }) => i.message).join()).toMatch(
      /many|maxItems|long/i,
    );
    expect(await json(await api("/v1/tools/schema-probe", { body: { xs: [1, 2, 3] } }))).toBe("ok");
  });
});

describe("request bodies are bounded on every JSON route", () => {
  let jobId: string;
  beforeAll(async () => {
    await deploy(
      "waiter",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}).passthrough(), async run(i, ctx) { await ctx.waitForEvent("go", { type: "go" }); return "done"; } });`,
    );
    jobId = await startJob("waiter", {});
  });

  const routes = (): [string, string][] => [
    ["POST", "/v1/functions"],
    ["POST", "/v1/tools/waiter"],
    ["POST", "/v1/tools/waiter?async=true"],
    ["POST", "/v1/jobs"],
    ["POST", `/v1/jobs/${jobId}/events`],
    ["POST", `/v1/runs/${jobId}/replay`],
    ["POST", "/v1/functions/waiter/rollback"],
    ["POST", "/v1/keys"],
    ["POST", "/v1/tokens"],
    ["POST", "/v1/session"],
  ];

  it("answers JSON nested deeper than 64 levels with 400 on every route, and runs nothing", async () => {
    for (const [method, path] of routes()) {
      const res = await api(path, { method, rawBody: deepJson(5_000), headers: { "content-type": "application/json" } });
      const problem = await expectProblem(res, 400, "invalid_json");
      expect(problem.detail, `${method} ${path}`).toMatch(/deeper than 64/);
    }
    const atLimit = await api("/v1/tools/waiter?async=true", { rawBody: deepJson(63), headers: { "content-type": "application/json" } });
    expect(atLimit.status).toBe(202);
    expect(await runsOf("waiter")).toBe(2); // the job started in beforeAll and the one at the limit
  });

  it("answers an oversized body with 413 on every route, the session and keys routes included", async () => {
    const huge = JSON.stringify({ pad: "x".repeat(2_200_000) });
    for (const [method, path] of routes()) {
      const res = await api(path, { method, rawBody: huge, headers: { "content-type": "application/json" } });
      expect((await expectProblem(res, 413, "payload_too_large")).detail, `${method} ${path}`).toMatch(/limited to \d+ bytes/);
    }
    const smallRoute = await api("/v1/keys", {
      rawBody: JSON.stringify({ name: "x".repeat(70_000) }),
      headers: { "content-type": "application/json" },
    });
    await expectProblem(smallRoute, 413, "payload_too_large");
  });
});

describe("deploys that would silently misbehave are refused", () => {
  it("refuses a.ts next to a.js (one would shadow the other)", async () => {
    const res = await api("/v1/functions", {
      body: {
        name: "shadowed",
        entry: "index.ts",
        files: {
          "index.ts": `import { defineFunction, z } from "kiln";\nimport { v } from "./a";\nexport default defineFunction({ input: z.object({}), run: () => v });`,
          "a.ts": "export const v = 1;",
          "a.js": "export const v = 2;",
        },
      },
    });
    const problem = await expectProblem(res, 400, "compile_error");
    expect(problem.detail).toMatch(/"a\.(js|ts)" and "a\.(ts|js)" would be the same module/);
  });

  it("refuses an npm import that the code never uses, like one it uses", async () => {
    const unused = `import { defineFunction, z } from "kiln";\nimport Stripe from "stripe";\nexport default defineFunction({ input: z.object({}), run: () => 1 });`;
    const problem = await expectProblem(await api("/v1/functions", { body: { name: "unused-npm", code: unused } }), 400, "compile_error");
    expect(problem.detail).toMatch(/cannot resolve import "stripe"/);
    expect(problem.location).toEqual({ file: "index.ts", line: 2, column: expect.any(Number) });
    const typeOnly = `import { defineFunction, z } from "kiln";\nimport type Stripe from "stripe";\nexport default defineFunction({ input: z.object({}), run: (): Stripe | number => 1 });`;
    expect((await api("/v1/functions", { body: { name: "type-only-npm", code: typeOnly } })).status).toBe(201);
  });
});
