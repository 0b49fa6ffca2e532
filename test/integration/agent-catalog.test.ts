// What an agent loop sees (issue 11 items 4-6): strict catalogs from deployed functions, schema
// parts JSON Schema cannot express refused at deploy, a strict caller's nulls read as absent,
// failures that say whether retrying may help, and the OpenAPI document with every route.
import { describe, expect, it } from "vitest";
import { app } from "../../workers/http/app";
import { API_ROUTES } from "../../workers/lib/contracts/api-routes";
import { api, deploy, expectProblem, json } from "../helpers/api";

const fn = (input: string, body: string, extra = "") => `
import { defineFunction, z, NonRetriableError } from "kiln";
export default defineFunction({ description: "test", input: ${input}, ${extra} async run(input) { ${body} } });`;

async function deployProblem(name: string, code: string) {
  return expectProblem(await api("/v1/functions", { body: { name, code } }), 400, "validation_failed");
}

describe("strict catalogs of deployed functions", () => {
  it("serves strict OpenAI, Responses and Anthropic catalogs, leaving out a tool strict mode cannot express", async () => {
    await deploy("strict-ok", fn("z.object({ city: z.string(), days: z.number().int().default(3) })", "return input;"));
    await deploy("strict-map", fn("z.object({ tags: z.record(z.string(), z.string()) })", "return 1;"));
    const openai = await json(await api("/v1/tools?format=openai&strict=true"));
    const ok = openai.tools.find((t: any) => t.function.name === "strict-ok");
    expect(ok.function).toMatchObject({ strict: true, parameters: { additionalProperties: false, required: ["city", "days"] } });
    expect(openai.tools.some((t: any) => t.function.name === "strict-map")).toBe(false);
    expect(openai.warnings).toContainEqual({ tool: "strict-map", message: expect.stringContaining("free-form keys") });
    expect(openai.call).toMatchObject({ method: "POST", url: "http://kiln.test/v1/tools/{name}", auth: expect.stringContaining("Bearer") });
    expect(openai.call.toolUrls["strict-ok"]).toBe("http://kiln.test/v1/tools/strict-ok");
    const responses = await json(await api("/v1/tools?format=openai-responses"));
    expect(responses.strict).toBe(true);
    expect(responses.tools.find((t: any) => t.name === "strict-ok")).toMatchObject({ type: "function", strict: true });
    const anthropic = await json(await api("/v1/tools?format=anthropic&strict=true"));
    expect(anthropic.tools.find((t: any) => t.name === "strict-ok")).toMatchObject({
      strict: true,
      input_schema: { additionalProperties: false },
    });
    // Without strict, nothing is left out.
    const loose = await json(await api("/v1/tools?format=openai"));
    expect(loose.tools.some((t: any) => t.function.name === "strict-map")).toBe(true);
    expect(loose.warnings).toEqual([]);
    await expectProblem(await api("/v1/tools?format=mcp&strict=true"), 400, "bad_request");
  });

  it("reads a strict caller's null for an optional field as absent, so the default applies", async () => {
    await deploy("strict-null", fn("z.object({ city: z.string(), days: z.number().int().default(3) })", "return input;"));
    const res = await api("/v1/tools/strict-null", { body: { city: "Oslo", days: null } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ city: "Oslo", days: 3 });
    // A null where the field is required is still an error.
    const bad = await expectProblem(await api("/v1/tools/strict-null", { body: { city: null } }), 400, "validation_failed");
    expect(bad.retryable).toBe(false);
  });
});

describe("schema parts JSON Schema cannot express", () => {
  it.each([
    ["z.bigint()", "z.object({ id: z.bigint() })", "/manifest/input/properties/id", "z.bigint()"],
    [
      "z.custom()",
      "z.object({ deep: z.object({ v: z.custom(() => true) }) })",
      "/manifest/input/properties/deep/properties/v",
      "z.custom()",
    ],
    ["z.date()", "z.object({ when: z.date() })", "/manifest/input/properties/when", "z.coerce.date()"],
  ])("refuses %s at deploy with the field's path", async (_, input, path, advice) => {
    const problem = await deployProblem("unexpressible", fn(input, "return 1;"));
    expect(problem.issues).toContainEqual({ path, message: expect.stringContaining(advice) });
  });

  it("maps z.coerce.date() to an ISO 8601 date-time string, which the function receives as a Date", async () => {
    await deploy(
      "dated",
      fn("z.object({ when: z.coerce.date() })", "return input.when instanceof Date ? input.when.getUTCFullYear() : 'no';"),
    );
    const tool = (await json(await api("/v1/tools"))).tools.find((t: any) => t.name === "dated");
    expect(tool.inputSchema.properties.when).toEqual({ type: "string", format: "date-time" });
    const res = await api("/v1/tools/dated", { body: { when: "2031-05-06T07:08:09Z" } });
    expect(await json(res)).toBe(2031);
    await expectProblem(await api("/v1/tools/dated", { body: { when: "soon" } }), 400, "validation_failed");
  });
});

describe("failures an agent loop can act on", () => {
  it("says retryable: false for a NonRetriableError and for bad input, true for an ordinary error", async () => {
    await deploy("fails-for-good", fn("z.object({})", 'throw new NonRetriableError("card declined");'));
    await deploy("fails-for-now", fn("z.object({})", 'throw new Error("upstream busy");'));
    const forGood = await expectProblem(await api("/v1/tools/fails-for-good", { body: {} }), 502, "function_failed");
    expect(forGood).toMatchObject({ retryable: false, detail: "card declined", runId: expect.stringMatching(/^run_/) });
    const forNow = await expectProblem(await api("/v1/tools/fails-for-now", { body: {} }), 502, "function_failed");
    expect(forNow.retryable).toBe(true);
    const invalid = await expectProblem(
      await api("/v1/tools/fails-for-good", { rawBody: "[", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expect(invalid.retryable).toBe(false);
  });

  it("reports only the issues of the union branch the discriminator selects, and names formats", async () => {
    const input = `z.object({ contact: z.email(), shape: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), radius: z.number() }),
      z.object({ kind: z.literal("rect"), w: z.number(), h: z.number() }) ]) })`;
    await deploy("shapes", fn(input, "return 1;"));
    const problem = await expectProblem(
      await api("/v1/tools/shapes", { body: { contact: "x", shape: { kind: "rect", w: 1 } } }),
      400,
      "validation_failed",
    );
    const text = JSON.stringify(problem.issues);
    expect(text).toContain('\\"h\\"');
    expect(text).not.toContain("radius");
    expect(text).toContain('format \\"email\\"');
    const none = await expectProblem(
      await api("/v1/tools/shapes", { body: { contact: "a@b.co", shape: { kind: "star" } } }),
      400,
      "validation_failed",
    );
    expect(none.issues).toEqual([{ path: "/shape/kind", message: 'expected one of "circle", "rect"' }]);
  });
});

describe("the OpenAPI document", () => {
  it("lists every route the app serves", () => {
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path !== "/*")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}").replace(/\/$/, "") || "/"}`),
    );
    const documented = new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`));
    expect([...served].filter((s) => !documented.has(s))).toEqual([]);
    expect([...documented].filter((d) => !served.has(d))).toEqual([]);
  });

  it("has one operation per tool the credential may call, with the Bearer scheme", async () => {
    await deploy("oa-mine", fn("z.object({ q: z.string() })", "return input.q;"));
    await deploy("oa-other", fn("z.object({})", "return 1;"));
    const minted = await json(await api("/v1/tokens", { body: { scopes: ["tools:call"], functions: ["oa-mine"], ttlSeconds: 60 } }));
    const doc = await json(await api("/v1/openapi.json", { key: minted.token }));
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    expect(doc.paths["/v1/tools/oa-mine"].post.requestBody.content["application/json"].schema).toMatchObject({
      properties: { q: { type: "string" } },
    });
    expect(doc.paths["/v1/tools/oa-other"]).toBeUndefined();
    expect(doc.paths["/v1/functions"].post.requestBody).toBeDefined();
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect((await api("/v1/openapi.json", { key: null })).status).toBe(401);
  });

  it("answers unknown paths under /v1, /v1 itself and /.well-known with JSON 404s", async () => {
    for (const path of ["/v1/nope", "/v1", "/.well-known/x"]) await expectProblem(await api(path), 404, "not_found");
  });
});
