// What agent clients get from the real local server (issue 11 items 4-5): strict catalogs that the
// official SDKs' own strict converters accept as they are, an OpenAPI document that validates as
// OpenAPI 3.1, and JSON 404s (never the dashboard) for unknown API and /.well-known paths.
import { transformJSONSchema } from "@anthropic-ai/sdk/lib/transform-json-schema";
import { Validator } from "@seriousme/openapi-schema-validator";
import { toStrictJsonSchema } from "openai/lib/transform";
import { beforeAll, describe, expect, inject, it } from "vitest";

const url = inject("kilnUrl");
const auth = { authorization: `Bearer ${inject("adminKey")}`, "content-type": "application/json" };

const INPUTS: Record<string, string> = {
  "cat-nested": "z.object({ user: z.object({ name: z.string(), tags: z.array(z.string()).max(5) }), note: z.string().optional() })",
  "cat-defaults": "z.object({ q: z.string().min(1), limit: z.number().int().min(1).max(50).default(10) })",
  "cat-union": `z.object({ unit: z.enum(["c", "f"]), shape: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("circle"), r: z.number() }), z.object({ kind: z.literal("sq"), side: z.number() }) ]) })`,
  "cat-formats": "z.object({ email: z.email(), when: z.iso.datetime(), id: z.uuid().optional(), at: z.coerce.date() })",
  "cat-record": "z.object({ scores: z.record(z.string(), z.number()) })",
};

async function get(path: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${url}${path}`, { headers });
  return { res, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text() };
}

beforeAll(async () => {
  for (const [name, input] of Object.entries(INPUTS)) {
    const code = `import { defineFunction, z } from "kiln";\nexport default defineFunction({ description: "${name}", input: ${input}, run: (i) => i });`;
    const res = await fetch(`${url}/v1/functions`, { method: "POST", headers: auth, body: JSON.stringify({ name, code }) });
    expect(res.status, await res.text()).toBe(201);
  }
});

describe("catalogs for agent SDKs", () => {
  it("strict OpenAI tools pass the OpenAI SDK's strict converter unchanged; the record is left out with a warning", async () => {
    const { body } = await get("/v1/tools?format=openai&strict=true");
    const mine = body.tools.filter((t: any) => t.function.name.startsWith("cat-"));
    expect(mine.map((t: any) => t.function.name).sort()).toEqual(["cat-defaults", "cat-formats", "cat-nested", "cat-union"]);
    for (const tool of mine) expect(toStrictJsonSchema(structuredClone(tool.function.parameters))).toEqual(tool.function.parameters);
    expect(body.warnings).toContainEqual({ tool: "cat-record", message: expect.stringContaining("free-form keys") });
    expect(body.call.toolUrls["cat-nested"]).toBe(`${url}/v1/tools/cat-nested`);
  });

  it("strict Anthropic tools come through the Anthropic SDK's schema transform unchanged", async () => {
    const { body } = await get("/v1/tools?format=anthropic&strict=true");
    const mine = body.tools.filter((t: any) => t.name.startsWith("cat-"));
    expect(mine).toHaveLength(4);
    for (const tool of mine) expect(transformJSONSchema(tool.input_schema)).toEqual(tool.input_schema);
  });

  it("a strict model's call, with null for the optional fields, runs", async () => {
    const res = await fetch(`${url}/v1/tools/cat-defaults`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ q: "x", limit: null }),
    });
    expect(await res.json()).toEqual({ q: "x", limit: 10 });
  });
});

describe("OpenAPI and JSON 404s", () => {
  it("serves an OpenAPI 3.1 document that validates, with one operation per tool", async () => {
    const { res, body } = await get("/v1/openapi.json");
    expect(res.status).toBe(200);
    const result = await new Validator().validate(body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(body.paths["/v1/tools/cat-union"].post.operationId).toBe("cat_union");
  });

  it.each(["/v1", "/v1/nope", "/.well-known/x"])("answers %s with a JSON 404, even to a browser", async (path) => {
    const { res, body } = await get(path, { ...auth, accept: "text/html", "sec-fetch-mode": "navigate" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body.code).toBe("not_found");
  });
});
