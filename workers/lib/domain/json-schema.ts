/**
 * Validates function input against a version's JSON Schema inside Kiln's shared Worker, with
 * @cfworker/json-schema (no code generation, so it runs in workerd) on the schema prepared by
 * input-schema.ts: patterns run on RE2, and the work is bounded before it starts (the input's
 * size times the most evaluations the schema can cause per value). Validators are built once per
 * version id. Pure apart from the caches and the validator's format table.
 */
import { format, type OutputUnit, Validator } from "@cfworker/json-schema";
import type { FieldIssue } from "../contracts/problem";
import { PATTERN_FORMAT_PREFIX, planInputSchema } from "./input-schema";
import { countValues } from "./json-limits";
import { resolveLocalRef, type Schema } from "./schema-walk";
import { discriminatedBranch } from "./union-branch";

/** Keywords that only say "a child failed"; the child's own error is the useful one. */
const WRAPPERS = new Set(["properties", "patternProperties", "items", "prefixItems", "allOf", "$ref", "if", "false"]);
const MAX_CACHED = 500;
/**
 * Most value evaluations one validation may do (input values × evaluations per value). Measured
 * on the 2-core dev machine: 200,000 evaluations take 50–130 ms with a plain schema and 110–220 ms
 * under a four-branch anyOf, so one call can hold the shared Worker for a few hundred ms at most.
 */
export const VALIDATION_BUDGET = 300_000;

// The library's `url` format is a backtracking regex whose time doubles with each character of a
// crafted host name (30 characters: seconds). WHATWG URL parsing is linear.
format.url = (value: string) => URL.canParse(value) && /^(https?|ftp):$/.test(new URL(value).protocol);

type Entry = { validator: Validator; schema: Schema; evaluationsPerValue: number } | { unusable: FieldIssue[] };
const validators = new Map<string, Entry>();

function forgetAll(): void {
  validators.clear();
  for (const name of Object.keys(format)) if (name.startsWith(PATTERN_FORMAT_PREFIX)) delete format[name];
}

function build(schema: Schema): Entry {
  // Code-declared schemas were checked at deploy; a pattern RE2 skipped is re-checked by zod in the isolate.
  const planned = planInputSchema(schema, { patternsRecheckedInIsolate: true });
  if (!planned.ok) {
    return { unusable: planned.issues.map((i) => ({ path: "/", message: `the function's input schema cannot be used (${i.message})` })) };
  }
  const { plan } = planned;
  for (const [name, re2] of plan.patterns) format[name] = (value: string) => re2.test(value);
  return {
    validator: new Validator(plan.schema as object, "2020-12", false),
    schema: plan.schema,
    evaluationsPerValue: plan.evaluationsPerValue,
  };
}

function describeError(keyword: string, error: string): string {
  if (keyword === "format" && error.includes(PATTERN_FORMAT_PREFIX)) {
    const pattern = error.slice(error.indexOf(PATTERN_FORMAT_PREFIX) + PATTERN_FORMAT_PREFIX.length, error.lastIndexOf('"'));
    return `String does not match the pattern ${JSON.stringify(pattern)}.`;
  }
  return error;
}

export function validateInput(cacheKey: string, schema: Record<string, unknown>, value: unknown): FieldIssue[] {
  let entry = validators.get(cacheKey);
  if (!entry) {
    if (validators.size >= MAX_CACHED) forgetAll();
    entry = build(schema);
    validators.set(cacheKey, entry);
  }
  if ("unusable" in entry) return entry.unusable;
  const work = countValues(value) * entry.evaluationsPerValue;
  if (work > VALIDATION_BUDGET) {
    return [
      {
        path: "/",
        message: `the input is too large to check against this schema (${work} evaluations; the limit is ${VALIDATION_BUDGET})`,
      },
    ];
  }
  let result: ReturnType<Validator["validate"]>;
  try {
    result = entry.validator.validate(value);
  } catch (error) {
    return [{ path: "/", message: `the input could not be checked against the schema: ${(error as Error).message}` }];
  }
  if (result.valid) return [];
  const { errors, extra } = narrowUnions(entry.schema, value, result.errors);
  return [
    ...extra,
    ...errors
      .filter((e) => !WRAPPERS.has(e.keyword))
      .map((e) => ({ path: e.instanceLocation.replace(/^#/, "") || "/", message: describeError(e.keyword, e.error) })),
  ];
}

/** The part of `value` at an instance location ("#/a/0"); undefined where there is none. */
function valueAt(value: unknown, location: string): unknown {
  let node = value;
  for (const raw of location
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * A discriminated union's failure lists every branch's complaints ("k must be "a"", "x is
 * required"…), most of them about branches the caller never meant. Keep only the branch the
 * discriminator selects; when it selects none, say which values it takes.
 */
function narrowUnions(root: Schema, value: unknown, all: OutputUnit[]): { errors: OutputUnit[]; extra: FieldIssue[] } {
  let errors = all;
  const extra: FieldIssue[] = [];
  for (const union of all.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")) {
    if (!errors.includes(union)) continue;
    const base = union.keywordLocation;
    const parent = resolveLocalRef(root, base.slice(0, base.lastIndexOf("/")) || "#");
    const branches = typeof parent === "object" ? parent[union.keyword] : undefined;
    if (!Array.isArray(branches)) continue;
    const choice = discriminatedBranch(branches, valueAt(value, union.instanceLocation));
    if (!choice) continue;
    const keep = "index" in choice ? `${base}/${choice.index}/` : null;
    errors = errors.filter(
      (e) => e !== union && (!e.keywordLocation.startsWith(`${base}/`) || (keep !== null && e.keywordLocation.startsWith(keep))),
    );
    if ("mismatch" in choice) {
      const { key, allowed } = choice.mismatch;
      const path = `${union.instanceLocation.replace(/^#/, "")}/${key}`;
      extra.push({ path, message: `expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}` });
    }
  }
  return { errors, extra };
}
