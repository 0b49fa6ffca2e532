// The platform's input validation stays bounded whatever schema a user deploys (issue 7, defects 1, 4, 6).
import { describe, expect, it } from "vitest";
import { planInputSchema } from "../../workers/lib/domain/input-schema";
import { countValues, nestsDeeperThan } from "../../workers/lib/domain/json-limits";
import { VALIDATION_BUDGET, validateInput } from "../../workers/lib/domain/json-schema";

const fromOverride = { patternsRecheckedInIsolate: false };
const fromCode = { patternsRecheckedInIsolate: true };
const issuesOf = (schema: Record<string, unknown>, o = fromOverride) => {
  const planned = planInputSchema(schema, o);
  return planned.ok ? [] : planned.issues;
};
/** Every `pattern` keyword left in the schema the validator gets (the backtracking engine would run them). */
const patternsLeft = (schema: Record<string, unknown>): string[] => {
  const planned = planInputSchema(schema, fromCode);
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  return JSON.stringify(planned.plan.schema).match(/"pattern":/g) ?? [];
};

describe("input schema plan", () => {
  it("refuses broken schemas with the path of what is wrong", () => {
    expect(issuesOf({ type: "string", pattern: "([" })).toEqual([
      { path: "/pattern", message: expect.stringMatching(/not a valid regular expression/) },
    ]);
    expect(issuesOf({ properties: { a: { $ref: "#/definitions/nope" } } })).toEqual([
      { path: "/properties/a/$ref", message: expect.stringMatching(/local reference .* resolves/) },
    ]);
    expect(issuesOf({ $ref: "https://evil.example/schema.json" }).map((i) => i.path)).toEqual(["/$ref"]);
    expect(issuesOf({ properties: { "a/b": { $dynamicRef: "#x" } } }).map((i) => i.path)).toEqual(["/properties/a~1b/$dynamicRef"]);
    expect(issuesOf({ patternProperties: { "^x": {} } }).map((i) => i.path)).toEqual(["/patternProperties"]);
  });

  it("accepts local references that resolve, recursive ones included", () => {
    const tree = {
      $defs: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } } },
      $ref: "#/$defs/node",
    };
    expect(issuesOf(tree)).toEqual([]);
  });

  it("refuses a schema that refers to itself on the same value (an evaluation that never ends)", () => {
    expect(issuesOf({ $ref: "#" })).toEqual([{ path: "", message: expect.stringMatching(/refers back to itself/) }]);
    expect(
      issuesOf({ $defs: { a: { allOf: [{ $ref: "#/$defs/b" }] }, b: { anyOf: [{ $ref: "#/$defs/a" }] } }, $ref: "#/$defs/a" }).length,
    ).toBe(1);
  });

  it("refuses combinators whose cost grows exponentially with nesting, and keeps ordinary unions", () => {
    const doubling = { $defs: { s: { anyOf: [{ items: { $ref: "#/$defs/s" } }, { items: { $ref: "#/$defs/s" } }] } }, $ref: "#/$defs/s" };
    expect(issuesOf(doubling)).toEqual([{ path: "", message: expect.stringMatching(/evaluated .* times/) }]);
    const shared = {
      $defs: {
        a: { allOf: [{ $ref: "#/$defs/b" }, { $ref: "#/$defs/b" }] },
        b: { allOf: [{ $ref: "#/$defs/c" }, { $ref: "#/$defs/c" }] },
        c: { type: "string" },
      },
    };
    const deepSharing = { ...shared, $ref: "#/$defs/a", properties: { x: { $ref: "#/$defs/a" } } };
    expect(issuesOf(deepSharing)).toEqual([]);
    const union = {
      anyOf: [
        { type: "object", properties: { kind: { const: "a" } } },
        { type: "object", properties: { kind: { const: "b" } } },
        { type: "null" },
      ],
    };
    expect(issuesOf(union)).toEqual([]);
  });

  it("allows uniqueItems only where its quadratic cost is bounded", () => {
    expect(issuesOf({ type: "array", uniqueItems: true, maxItems: 50, items: { type: "string" } })).toEqual([]);
    expect(issuesOf({ type: "array", uniqueItems: true }).map((i) => i.path)).toEqual(["/uniqueItems"]);
    expect(issuesOf({ type: "array", uniqueItems: true, maxItems: 50, items: { type: "array" } }).map((i) => i.path)).toEqual([
      "/uniqueItems",
    ]);
    // The validator evaluates every keyword: the quadratic check only runs when maxItems holds.
    const planned = planInputSchema({ type: "array", uniqueItems: true, maxItems: 50, items: { type: "string" } }, fromOverride);
    expect(planned.ok && planned.plan.schema).toEqual({
      type: "array",
      maxItems: 50,
      items: { type: "string" },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then, never awaited.
      allOf: [{ if: { maxItems: 50 }, then: { uniqueItems: true } }],
    });
  });

  it("refuses patterns RE2 cannot run unless the function's zod schema re-checks them in its isolate", () => {
    const lookahead = { type: "string", pattern: "^(?!admin).*$" };
    expect(issuesOf(lookahead).map((i) => i.path)).toEqual(["/pattern"]);
    expect(issuesOf(lookahead, fromCode)).toEqual([]);
  });
});

describe("bounded validation", () => {
  it("checks a catastrophic-backtracking pattern in linear time", () => {
    const schema = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } }, $defs: { t: { pattern: "x" } } };
    expect(patternsLeft(schema)).toEqual([]);
    // Backtracking needs ~2^5000 steps for this input (35 characters froze workerd for a minute).
    expect(validateInput("redos", schema, { s: `${"a".repeat(5_000)}!` })).toEqual([
      { path: "/s", message: 'String does not match the pattern "^(a+)+$".' },
    ]);
    expect(validateInput("redos", schema, { s: "aaaa" })).toEqual([]);
  });

  it("checks a pattern next to a format, and the url format without backtracking", () => {
    const schema = { type: "object", properties: { u: { type: "string", format: "url", pattern: "^https:" } } };
    expect(validateInput("url", schema, { u: "https://example.com/a" })).toEqual([]);
    expect(validateInput("url", schema, { u: "http://example.com/" }).map((i) => i.message)).toEqual([
      'String does not match the pattern "^https:".',
    ]);
    // The library's url regex backtracks exponentially on this host (30 characters: seconds).
    expect(validateInput("url", schema, { u: `https://${"a".repeat(5_000)}<` }).map((i) => i.path)).toEqual(["/u"]);
  });

  it("refuses input whose validation would exceed the budget, before evaluating it", () => {
    const schema = { type: "object", properties: { xs: { type: "array", items: { anyOf: [{ type: "number" }, { type: "string" }] } } } };
    const xs = Array.from({ length: VALIDATION_BUDGET / 2 }, () => 1);
    const issues = validateInput("budget", schema, { xs });
    expect(issues).toEqual([{ path: "/", message: expect.stringMatching(/too large to check/) }]);
    expect(validateInput("budget", schema, { xs: [1, "a"] })).toEqual([]);
  });

  it("answers an unusable stored schema with an issue, never a throw", () => {
    expect(validateInput("broken", { $ref: "#" }, {})).toEqual([{ path: "/", message: expect.stringMatching(/cannot be used/) }]);
  });
});

describe("JSON limits", () => {
  it("measures nesting on the text, ignoring brackets inside strings", () => {
    expect(nestsDeeperThan(`${"[".repeat(64)}${"]".repeat(64)}`)).toBe(false);
    expect(nestsDeeperThan(`${"[".repeat(65)}${"]".repeat(65)}`)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ s: "[".repeat(500), t: 'a\\"[[[' }))).toBe(false);
    expect(nestsDeeperThan(`{"a":${'{"b":'.repeat(70)}1${"}".repeat(71)}`)).toBe(true);
  });

  it("counts values without recursion", () => {
    expect(countValues({ a: [1, 2, { b: null }] })).toBe(6);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(countValues(deep)).toBe(100_001);
  });
});
