/**
 * Makes a function's input JSON Schema safe to evaluate in Kiln's shared Worker, where one
 * tenant's schema must never cost the others (PRODUCT.md, "Multi-tenant first"). Checked at
 * deploy (a refused schema is a 400 with the path) and again when a validator is built:
 * - `pattern`s run on RE2 (re2js, linear time), never on the backtracking RegExp engine: each is
 *   replaced by a registered format. A pattern RE2 cannot express (lookaround, backreferences) is
 *   refused, unless it comes from the function's own zod schema, which checks it again inside
 *   the function's isolate (where the CPU limit applies): then Kiln skips it.
 * - `patternProperties` is refused (it would match property names with the same engine).
 * - `uniqueItems` (quadratic) only with `maxItems` ≤ 100 and scalar items, and checked only on
 *   arrays within that bound (the validator evaluates every keyword, `maxItems` failing or not).
 * - `$ref` must be local and resolve; no subschema may reach itself without descending into the
 *   input (that recursion never ends); and how many times one input value can be evaluated
 *   (combinators branching at every level grow exponentially with nesting) is computed, refused
 *   above a bound, and multiplied by the input's size against a budget at validation time.
 * Pure (re2js is plain JavaScript).
 */
import { RE2JS } from "re2js";
import type { FieldIssue } from "../contracts/problem";
import { MAX_JSON_DEPTH } from "./json-limits";
import { childrenOf, isSchema, resolveLocalRef, type Schema } from "./schema-walk";

/** A schema deeper than this is refused (it is data sent by a user, walked recursively). */
const MAX_SCHEMA_DEPTH = 128;
/** Most evaluations of one input value that a schema may cause. */
export const MAX_EVALUATIONS_PER_VALUE = 256;
export const MAX_UNIQUE_ITEMS = 100;
const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);

/** The format name under which a pattern's RE2 matcher is registered. */
export const PATTERN_FORMAT_PREFIX = "kiln-pattern:";

export interface SchemaPlan {
  /** The schema to give the validator: patterns replaced by registered formats. */
  schema: Schema;
  /** Format name → RE2 matcher for every pattern the validator checks. */
  patterns: Map<string, RE2JS>;
  /** The most evaluations one input value can cause (≥ 1). */
  evaluationsPerValue: number;
}

export interface PlanOptions {
  /** The schema was generated from the function's zod schema, which re-checks every pattern in its isolate. */
  patternsRecheckedInIsolate: boolean;
}

type Path = (string | number)[];

function pointerOf(path: Path): string {
  return path.map((p) => `/${String(p).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function compilePattern(source: unknown, o: PlanOptions): { re2?: RE2JS; issue?: string } {
  if (typeof source !== "string") return { issue: "must be a string" };
  try {
    new RegExp(source, "u");
  } catch (e) {
    return { issue: `is not a valid regular expression: ${(e as Error).message}` };
  }
  try {
    return { re2: RE2JS.compile(RE2JS.translateRegExp(source)) };
  } catch (e) {
    if (o.patternsRecheckedInIsolate) return {};
    return {
      issue: `cannot be checked in linear time (${(e as Error).message}); Kiln evaluates patterns with RE2 syntax: no lookaround or backreferences`,
    };
  }
}

function uniqueItemsIssue(node: Record<string, unknown>): string | null {
  const items = node.items;
  const types = isSchema(items) && typeof items === "object" ? [items.type].flat() : [];
  const scalar = types.length > 0 && types.every((t) => typeof t === "string" && SCALAR_TYPES.has(t));
  const bounded = typeof node.maxItems === "number" && node.maxItems <= MAX_UNIQUE_ITEMS;
  if (scalar && bounded) return null;
  return `needs "maxItems" ≤ ${MAX_UNIQUE_ITEMS} and scalar "items" (a "type" of string, number, integer, boolean or null): checking it costs the square of the array's length`;
}

/** Checks every node and builds the copy the validator gets. */
function transform(root: Schema, o: PlanOptions, issues: FieldIssue[], patterns: Map<string, RE2JS>): Schema {
  const visit = (node: Schema, path: Path): Schema => {
    if (typeof node === "boolean") return node;
    if (path.length > MAX_SCHEMA_DEPTH) {
      issues.push({ path: pointerOf(path), message: `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels` });
      return node;
    }
    const at = (keyword: string, message: string) => issues.push({ path: pointerOf([...path, keyword]), message });
    const copy: Record<string, unknown> = { ...node };
    const cloned = new Set<string>();
    for (const child of childrenOf(node)) {
      const [key, sub] = child.pointer.slice(1).split("/") as [string, string | undefined];
      const subKey = sub?.replaceAll("~1", "/").replaceAll("~0", "~");
      const value = visit(child.schema, subKey === undefined ? [...path, key] : [...path, key, subKey]);
      if (subKey === undefined) copy[key] = value;
      else {
        if (!cloned.has(key)) copy[key] = Array.isArray(copy[key]) ? [...(copy[key] as unknown[])] : { ...(copy[key] as object) };
        cloned.add(key);
        (copy[key] as Record<string, unknown>)[subKey] = value;
      }
    }
    if (node.$ref !== undefined && (typeof node.$ref !== "string" || resolveLocalRef(root, node.$ref) === undefined)) {
      at("$ref", "must be a local reference ('#' or '#/…') that resolves inside this schema");
    }
    for (const k of ["$dynamicRef", "$recursiveRef"]) if (node[k] !== undefined) at(k, "is not supported; use $ref");
    if (node.patternProperties !== undefined) {
      at("patternProperties", "is not supported: use propertyNames (with a pattern) and additionalProperties");
    }
    if (node.uniqueItems === true) {
      const issue = uniqueItemsIssue(node);
      if (issue) at("uniqueItems", issue);
      delete copy.uniqueItems;
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited.
      const guarded = { if: { maxItems: node.maxItems }, then: { uniqueItems: true } };
      copy.allOf = [...(Array.isArray(copy.allOf) ? copy.allOf : []), guarded];
    }
    if (node.pattern !== undefined) {
      const { re2, issue } = compilePattern(node.pattern, o);
      if (issue) at("pattern", issue);
      delete copy.pattern;
      if (re2) {
        const name = `${PATTERN_FORMAT_PREFIX}${node.pattern as string}`;
        patterns.set(name, re2);
        if (copy.format === undefined) copy.format = name;
        else copy.allOf = [...(Array.isArray(copy.allOf) ? copy.allOf : []), { format: name }];
      }
    }
    return copy;
  };
  return visit(root, []);
}

/** Subschemas that apply to the same input value, `$ref` included. */
function sameValueChildren(root: Schema, node: Schema): Schema[] {
  if (typeof node === "boolean") return [];
  const out = childrenOf(node)
    .filter((c) => c.relation === "same")
    .map((c) => c.schema);
  const target = typeof node.$ref === "string" ? resolveLocalRef(root, node.$ref) : undefined;
  if (target !== undefined) out.push(target);
  return out;
}

/** A chain of subschemas that leads back to itself on the same value: evaluating it never ends. */
function findSelfReference(root: Schema): boolean {
  const state = new Map<Schema, "open" | "done">();
  const visit = (node: Schema): boolean => {
    if (typeof node === "boolean" || state.get(node) === "done") return false;
    if (state.get(node) === "open") return true;
    state.set(node, "open");
    const loops = sameValueChildren(root, node).some(visit);
    state.set(node, "done");
    return loops;
  };
  const all: Schema[] = [root];
  for (let i = 0; i < all.length && i < 100_000; i++) for (const c of childrenOf(all[i] as Schema)) all.push(c.schema);
  return all.some(visit);
}

/**
 * How many times one value `depth` levels below the input's root can be evaluated: the
 * same-value subschemas add up, and of the member subschemas the costliest counts.
 */
function evaluationsPerValue(root: Schema): number {
  const CAP = 1e9;
  const memo = new Map<Schema, number[]>();
  const count = (node: Schema, depth: number): number => {
    if (typeof node === "boolean") return depth === 0 ? 1 : 0;
    const row = memo.get(node) ?? [];
    memo.set(node, row);
    const known = row[depth];
    if (known !== undefined) return known;
    let total = depth === 0 ? 1 : 0;
    for (const child of sameValueChildren(root, node)) total += count(child, depth);
    if (depth > 0) {
      let member = 0;
      for (const c of childrenOf(node)) if (c.relation === "part") member = Math.max(member, count(c.schema, depth - 1));
      total += member;
    }
    row[depth] = Math.min(CAP, total);
    return row[depth];
  };
  let most = 1;
  for (let depth = 0; depth <= MAX_JSON_DEPTH; depth++) most = Math.max(most, count(root, depth));
  return most;
}

/** Checks an input schema and prepares it for validation; issue paths are JSON pointers into the schema. */
export function planInputSchema(schema: Schema, o: PlanOptions): { ok: true; plan: SchemaPlan } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const patterns = new Map<string, RE2JS>();
  const prepared = transform(schema, o, issues, patterns);
  if (issues.length > 0) return { ok: false, issues };
  if (findSelfReference(schema)) {
    return { ok: false, issues: [{ path: "", message: "a subschema refers back to itself without descending into the input" }] };
  }
  const evaluations = evaluationsPerValue(schema);
  if (evaluations > MAX_EVALUATIONS_PER_VALUE) {
    const message = `one input value could be evaluated ${evaluations >= 1e9 ? "over a billion" : evaluations} times (anyOf/oneOf/allOf branching at every level); the limit is ${MAX_EVALUATIONS_PER_VALUE}`;
    return { ok: false, issues: [{ path: "", message }] };
  }
  return { ok: true, plan: { schema: prepared, patterns, evaluationsPerValue: evaluations } };
}
