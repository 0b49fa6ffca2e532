import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const ECHO = `
import { defineFunction, z } from "kiln";

export default defineFunction({
  description: "Echo a message, upper-cased",
  input: z.object({ message: z.string().max(100), times: z.number().int().min(1).default(1) }),
  async run(input, ctx) {
    const shout = await ctx.step("shout", () => input.message.toUpperCase());
    ctx.log.info("shouted", { length: shout.length });
    console.log("console works too");
    return { shout: shout.repeat(input.times), run: ctx.run.id };
  },
});
`;

describe("tool calls", () => {
  it("deploys a TypeScript function and calls it as a tool, with a full trace", async () => {
    const version = await deploy("echo", ECHO);
    expect(version).toMatchObject({ function: "echo", number: 1, active: true, entry: "index.ts", createdBy: "admin" });
    const { unchanged, ...stored } = version;
    expect(unchanged).toBe(false);
    const listed = await json(await api("/v1/functions/echo/versions"));
    expect(listed.items).toEqual([stored]);
    expect(version.manifest.input.properties.message).toMatchObject({ type: "string", maxLength: 100 });

    const res = await api("/v1/tools/echo", { body: { message: "hi", times: 2 } });
    expect(res.status).toBe(200);
    const runId = res.headers.get("kiln-run-id");
    expect(runId).toMatch(/^run_/);
    expect(await json(res)).toEqual({ shout: "HIHI", run: runId });

    const run = await waitForRun(runId!);
    expect(run).toMatchObject({
      function: "echo",
      version: 1,
      trigger: "tool",
      status: "succeeded",
      input: { message: "hi", times: 2 },
      output: { shout: "HIHI", run: runId },
    });
    expect(run.steps).toEqual([expect.objectContaining({ name: "shout", status: "succeeded", attempt: 1, output: '"HI"' })]);
    expect(run.logs.map((l: any) => [l.level, l.message, l.step])).toEqual([
      ["info", "shouted", null],
      ["info", "console works too", null],
    ]);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe("tool input and lookup", () => {
  const STRICT = `
import { defineFunction, z } from "kiln";
export default defineFunction({
  description: "Books a meeting",
  input: z.object({
    title: z.string().min(1),
    attendees: z.array(z.string().email()).min(1),
    minutes: z.number().int().max(240),
  }).refine((v) => !v.title.includes("<script>"), { message: "no markup in titles", path: ["title"] }),
  run: (input) => ({ booked: input.title }),
});`;

  it("validates input against the schema before dispatch, with per-field issues", async () => {
    await deploy("book", STRICT);
    const res = await api("/v1/tools/book", { body: { title: "", attendees: ["nope"], minutes: 1.5 } });
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(res.headers.get("kiln-run-id")).toBeNull();
    const paths = [...new Set(problem.issues.map((i: any) => i.path))].sort();
    expect(paths).toEqual(["/attendees/0", "/minutes", "/title"]);
  });

  it("applies the function's own zod refinements inside the isolate", async () => {
    const res = await api("/v1/tools/book", { body: { title: "<script>alert(1)</script>", attendees: ["a@b.co"], minutes: 30 } });
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(problem.issues).toEqual([{ path: "/title", message: "no markup in titles" }]);
  });

  it("answers unknown tools, malformed JSON and oversized bodies with 4xx problems", async () => {
    await expectProblem(await api("/v1/tools/nobody", { body: {} }), 404, "not_found");
    await expectProblem(await api("/v1/tools/NOT_A_SLUG", { body: {} }), 400, "validation_failed");
    await expectProblem(
      await api("/v1/tools/book", { rawBody: '{"title":', headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    const huge = JSON.stringify({ title: "x".repeat(1100 * 1024), attendees: ["a@b.co"], minutes: 1 });
    await expectProblem(
      await api("/v1/tools/book", { rawBody: huge, headers: { "content-type": "application/json" } }),
      413,
      "payload_too_large",
    );
    await expectProblem(await api("/v1/nothing-here"), 404, "not_found");
  });

  it("renders the tool catalog for OpenAI, Anthropic and MCP from the same schema", async () => {
    await deploy("book", STRICT);
    await deploy(
      "hidden",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
      {
        exposures: { tool: false, job: true },
      },
    );
    const get = async (format: string) =>
      (await json(await api(`/v1/tools?format=${format}`))).tools.find((t: any) => (t.name ?? t.function?.name) === "book");
    const openai = await get("openai");
    expect(openai).toMatchObject({
      type: "function",
      function: {
        name: "book",
        description: "Books a meeting",
        parameters: { type: "object", required: ["title", "attendees", "minutes"] },
      },
    });
    expect(openai.function.parameters.$schema).toBeUndefined();
    const anthropic = await get("anthropic");
    expect(anthropic.input_schema).toEqual(openai.function.parameters);
    const mcp = await get("mcp");
    expect(mcp.inputSchema).toEqual(openai.function.parameters);
    const kiln = await get("kiln");
    expect(kiln.url).toBe("http://kiln.test/v1/tools/book");
    const names = (await json(await api("/v1/tools"))).tools.map((t: any) => t.name);
    expect(names).not.toContain("hidden");
    await expectProblem(await api("/v1/tools/hidden", { body: {} }), 404, "not_found");
    await expectProblem(await api("/v1/tools?format=xml"), 400, "validation_failed");
  });
});

describe("the kiln module in the isolate", () => {
  it("gives functions a working zod, with English messages", async () => {
    await deploy(
      "zod-inside",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: () => ({
  message: z.string().safeParse(1).error.issues[0].message,
  locale: typeof z.locales.en,
  json: z.toJSONSchema(z.object({ a: z.number().min(1) })).properties.a,
}) });`,
    );
    expect(await json(await api("/v1/tools/zod-inside", { body: {} }))).toEqual({
      message: "Invalid input: expected string, received number",
      locale: "function",
      json: { type: "number", minimum: 1 },
    });
  });
});
