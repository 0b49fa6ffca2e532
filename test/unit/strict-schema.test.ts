// Strict tool schemas (issue 11 item 4): the rewrite of varied zod schemas must be accepted
// unchanged by the providers' own SDK converters (OpenAI's toStrictJsonSchema throws on anything
// strict mode refuses; Anthropic's transformJSONSchema moves what it cannot keep into the
// description), and a strict caller's nulls must come back as absent fields.
import { transformJSONSchema } from "@anthropic-ai/sdk/lib/transform-json-schema";
import { toStrictJsonSchema } from "openai/lib/transform";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { dropAbsentNulls } from "../../workers/lib/domain/absent-nulls";
import { validateInput } from "../../workers/lib/domain/json-schema";
import { toStrictSchema } from "../../workers/lib/domain/strict-schema";
import { renderCatalog } from "../../workers/lib/domain/tool-catalog";

const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input" }) as Record<string, unknown>;

const VARIED: Record<string, z.ZodType> = {
  nested: z.object({ user: z.object({ name: z.string(), address: z.object({ city: z.string(), zip: z.string().optional() }) }) }),
  defaults: z.object({ q: z.string().min(1).max(200), limit: z.number().int().min(1).max(50).default(10), safe: z.boolean().optional() }),
  enums: z.object({ unit: z.enum(["c", "f"]), mode: z.enum(["fast", "slow"]).optional(), tag: z.literal("x") }),
  union: z.object({
    shape: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), radius: z.number().positive() }),
      z.object({ kind: z.literal("rect"), w: z.number(), h: z.number(), label: z.string().optional() }),
    ]),
  }),
  arrays: z.object({ ids: z.array(z.string().uuid()).min(1).max(10), points: z.array(z.object({ x: z.number(), y: z.number() })) }),
  formats: z.object({ email: z.email(), when: z.iso.datetime(), site: z.url().optional(), day: z.iso.date() }),
  nullable: z.object({ note: z.string().nullable().optional(), n: z.number().nullable() }),
  empty: z.object({}),
};

describe("strict schemas", () => {
  for (const [name, schema] of Object.entries(VARIED)) {
    it(`${name}: the OpenAI SDK's strict converter accepts the OpenAI rewrite as it is`, () => {
      const strict = toStrictSchema(toSchema(schema), "openai");
      if (!strict.ok) throw new Error(strict.reason);
      expect(toStrictJsonSchema(structuredClone(strict.schema) as never)).toEqual(strict.schema);
    });
    it(`${name}: the Anthropic SDK's transform leaves the Anthropic rewrite unchanged`, () => {
      const strict = toStrictSchema(toSchema(schema), "anthropic");
      if (!strict.ok) throw new Error(strict.reason);
      expect(transformJSONSchema(strict.schema)).toEqual(strict.schema);
    });
  }

  it("closes objects, requires every field and makes the optional ones nullable", () => {
    const strict = toStrictSchema(toSchema(VARIED.defaults as z.ZodType), "openai");
    expect(strict).toMatchObject({
      ok: true,
      schema: {
        additionalProperties: false,
        required: ["q", "limit", "safe"],
        properties: { limit: { anyOf: [{ type: "integer" }, { type: "null" }] }, safe: { anyOf: [{ type: "boolean" }, { type: "null" }] } },
      },
    });
    // The default is not a strict keyword: it moves to the description, where the model reads it.
    expect(JSON.stringify(strict)).toContain("default: 10");
  });

  it("reads a discriminated union's oneOf as anyOf", () => {
    const strict = toStrictSchema(toSchema(VARIED.union as z.ZodType), "openai");
    expect(JSON.stringify(strict)).not.toContain("oneOf");
    expect(strict).toMatchObject({ ok: true, schema: { properties: { shape: { anyOf: [{ required: ["kind", "radius"] }, {}] } } } });
  });

  it.each([
    ["records", z.object({ scores: z.record(z.string(), z.number()) }), "free-form keys"],
    ["tuples", z.object({ pair: z.tuple([z.string(), z.number()]) }), "prefixItems"],
    ["any values", z.object({ payload: z.unknown() }), "a value of any type at /payload"],
  ])("refuses %s with a reason that says where", (_, schema, reason) => {
    for (const dialect of ["openai", "anthropic"] as const) {
      const strict = toStrictSchema(toSchema(schema), dialect);
      expect(strict.ok).toBe(false);
      expect(!strict.ok && strict.reason).toContain(reason);
    }
  });

  it("refuses hand-written schemas with allOf or not", () => {
    const allOf = { type: "object", properties: { a: { allOf: [{ type: "string" }, { minLength: 2 }] } } };
    expect(toStrictSchema(allOf, "openai")).toEqual({ ok: false, reason: "strict mode cannot express an intersection (allOf) at /a" });
    const not = { type: "object", properties: { a: { not: { type: "string" } } } };
    expect(toStrictSchema(not, "anthropic")).toEqual({ ok: false, reason: "strict mode cannot express not at /a" });
  });

  it("leaves a tool it cannot express out of a strict catalog, with a warning, and keeps the others", () => {
    const tools = [
      { name: "good", description: "ok", input: toSchema(VARIED.nested as z.ZodType), output: null },
      { name: "bad", description: "map", input: toSchema(z.object({ m: z.record(z.string(), z.string()) })), output: null },
    ];
    const catalog = renderCatalog(tools, "openai", true, "https://kiln.example");
    expect(catalog.tools.map((t) => (t.function as { name: string; strict: boolean }).name)).toEqual(["good"]);
    expect(catalog.tools[0]).toMatchObject({ type: "function", function: { strict: true } });
    expect(catalog.warnings).toEqual([{ tool: "bad", message: expect.stringContaining("free-form keys (a record or map) at /m") }]);
    expect(catalog.call.toolUrls).toEqual({ good: "https://kiln.example/v1/tools/good" });
    // Not strict: every tool, as before.
    expect(renderCatalog(tools, "openai", false, "https://kiln.example").tools).toHaveLength(2);
  });

  it("renders the flat Responses API shape, saying whether it is strict", () => {
    const tools = [{ name: "t", description: "d", input: toSchema(VARIED.enums as z.ZodType), output: null }];
    const [tool] = renderCatalog(tools, "openai-responses", true, "https://k").tools;
    expect(tool).toMatchObject({
      type: "function",
      name: "t",
      description: "d",
      strict: true,
      parameters: { additionalProperties: false },
    });
    expect(renderCatalog(tools, "openai-responses", false, "https://k").tools[0]).toMatchObject({ strict: false });
  });
});

describe("a strict caller's nulls", () => {
  it("become absent where the schema neither requires nor accepts null, so zod defaults apply", () => {
    const schema = toSchema(VARIED.defaults as z.ZodType);
    const input = dropAbsentNulls(schema, { q: "hi", limit: null, safe: null });
    expect(input).toEqual({ q: "hi" });
    expect(validateInput("strict-defaults", schema, input)).toEqual([]);
  });

  it("stay null where the schema accepts null, and stay (and fail) where the field is required", () => {
    const schema = toSchema(VARIED.nullable as z.ZodType);
    expect(dropAbsentNulls(schema, { note: null, n: null })).toEqual({ note: null, n: null });
    const required = toSchema(z.object({ q: z.string() }));
    expect(dropAbsentNulls(required, { q: null })).toEqual({ q: null });
    expect(validateInput("strict-required", required, { q: null })).not.toEqual([]);
  });

  it("are read against the branch of a discriminated union that the discriminator selects, and in nested objects and arrays", () => {
    const schema = toSchema(z.object({ shapes: z.array(VARIED.union as z.ZodType), user: (VARIED.nested as z.ZodObject).shape.user }));
    const input = dropAbsentNulls(schema, {
      shapes: [{ shape: { kind: "rect", w: 1, h: 2, label: null } }],
      user: { name: "a", address: { city: "b", zip: null } },
    });
    expect(input).toEqual({ shapes: [{ shape: { kind: "rect", w: 1, h: 2 } }], user: { name: "a", address: { city: "b" } } });
  });

  it("leave an input with no such null as it is, without copying it (the tool call path)", () => {
    const schema = toSchema(z.object({ shapes: z.array(VARIED.union as z.ZodType), user: (VARIED.nested as z.ZodObject).shape.user }));
    const value = { shapes: [{ shape: { kind: "rect", w: 1, h: 2 } }], user: { name: "a", address: { city: "b" } } };
    expect(dropAbsentNulls(schema, value)).toBe(value);
    const withNull = { ...value, user: { name: "a", address: { city: "b", zip: null } } };
    const out = dropAbsentNulls(schema, withNull) as typeof value;
    expect(out).not.toBe(withNull);
    expect(out.shapes).toBe(withNull.shapes);
    expect(withNull.user.address).toEqual({ city: "b", zip: null });
  });

  it("keep a __proto__ key as data", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "q": "x"}');
    const out = dropAbsentNulls(toSchema(z.object({ q: z.string() })), value) as Record<string, unknown>;
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe("validation messages an agent can act on", () => {
  const schema = toSchema(VARIED.union as z.ZodType);

  it("report only the branch the discriminator selects", () => {
    const issues = validateInput("du-1", schema, { shape: { kind: "rect", w: "wide" } });
    expect(issues.map((i) => i.path).sort()).toEqual(["/shape", "/shape/w"]);
    expect(JSON.stringify(issues)).not.toMatch(/radius|circle/);
  });

  it("name the discriminator's values when it selects no branch", () => {
    expect(validateInput("du-2", schema, { shape: { kind: "hexagon" } })).toEqual([
      { path: "/shape/kind", message: 'expected one of "circle", "rect"' },
    ]);
  });

  it("name the expected format and pattern", () => {
    const s = toSchema(z.object({ email: z.email(), code: z.string().regex(/^[A-Z]{3}$/) }));
    const text = JSON.stringify(validateInput("fmt-1", s, { email: "nope", code: "abc" }));
    expect(text).toContain('format \\"email\\"');
    expect(text).toContain("^[A-Z]{3}$");
  });
});

describe("the OpenAPI document's tool operations", () => {
  it("gives tools whose names differ only by - and _ distinct operation ids, and embeds $defs as components", async () => {
    const { buildOpenApi } = await import("../../workers/lib/domain/openapi");
    const Node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(Node) }));
    const input = toSchema(z.object({ tree: Node }));
    const doc = buildOpenApi(
      [
        { name: "a-b", description: "", input, output: null },
        { name: "a_b", description: "", input: toSchema(z.object({})), output: null },
      ],
      "https://k",
      "1",
    ) as any;
    const ids = [doc.paths["/v1/tools/a-b"].post.operationId, doc.paths["/v1/tools/a_b"].post.operationId];
    expect(new Set(ids).size).toBe(2);
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"\$ref":"#\/\$defs\//);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas).toHaveProperty([ref as string]);
  });
});
