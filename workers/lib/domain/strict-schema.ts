/**
 * Rewrites a function's input JSON Schema into the subset that OpenAI's and Anthropic's strict
 * tool modes accept: every object closed with all its properties required, an optional property
 * made nullable instead (see absent-nulls.ts for the way back), `oneOf` read as `anyOf`. Pure;
 * imports only the schema walker's types.
 *
 * Keywords that only narrow values (lengths, bounds, defaults…) and that a provider does not take
 * move into the description: Kiln validates them anyway when the call arrives. Keywords that
 * change a schema's shape beyond the subset (tuples, open maps, `not`, conditionals) cannot be
 * rewritten faithfully, so the tool is refused with the reason and where.
 */
import type { Schema } from "./schema-walk";

export type StrictDialect = "openai" | "anthropic";

export type StrictResult = { ok: true; schema: Record<string, unknown> } | { ok: false; reason: string };

type Node = Record<string, unknown>;

/** Keywords whose meaning a strict-mode schema cannot carry; their presence refuses the tool. */
const CONDITIONAL = "conditional schemas (if/then/else)";
const REFUSED = new Map<string, string>([
  ["prefixItems", "tuples (prefixItems)"],
  ["additionalItems", "tuples (additionalItems)"],
  ["patternProperties", "properties matched by pattern (patternProperties)"],
  ["propertyNames", "free-form keys (a record or map)"],
  ["unevaluatedProperties", "unevaluatedProperties"],
  ["unevaluatedItems", "unevaluatedItems"],
  ["dependentSchemas", "dependentSchemas"],
  ["dependentRequired", "dependentRequired"],
  ["contains", "contains"],
  ["not", "not"],
  ["if", CONDITIONAL],
  ["then", CONDITIONAL],
  ["else", CONDITIONAL],
]);

/** Narrowing keywords each provider accepts in strict mode; the rest go to the description. */
const KEPT: Record<StrictDialect, ReadonlySet<string>> = {
  openai: new Set([
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
  ]),
  anthropic: new Set(["format"]),
};
const NARROWING = new Set([
  ...KEPT.openai,
  "minLength",
  "maxLength",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "default",
  "examples",
]);
/** Formats Anthropic's strict mode knows; another one is described instead. */
const ANTHROPIC_FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"]);
/** Keywords that carry no constraint (or that the rewrite handles itself). */
const STRUCTURAL = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "oneOf", "allOf"]);
const ANNOTATIONS = new Set([
  "description",
  "title",
  "$ref",
  "$defs",
  "definitions",
  "$schema",
  "$id",
  "$comment",
  "readOnly",
  "writeOnly",
  "deprecated",
]);

class Refused extends Error {}

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `schema` accepts JSON null (as far as can be told without evaluating references). */
export function admitsNull(schema: Schema): boolean {
  if (typeof schema === "boolean") return schema;
  const keys = Object.keys(schema).filter((k) => !ANNOTATIONS.has(k) || k === "$ref");
  if (keys.length === 0) return true;
  if (schema.$ref !== undefined) return false;
  const type = schema.type;
  if (type !== undefined && type !== "null" && !(Array.isArray(type) && type.includes("null"))) return false;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) return false;
  if ("const" in schema && schema.const !== null) return false;
  for (const k of ["anyOf", "oneOf"] as const) {
    const list = schema[k];
    if (Array.isArray(list) && !list.some((s) => admitsNull(s as Schema))) return false;
  }
  const all = schema.allOf;
  return !(Array.isArray(all) && !all.every((s) => admitsNull(s as Schema)));
}

function describeMoved(node: Node, moved: [string, unknown][]): string | undefined {
  const base = typeof node.description === "string" ? node.description : "";
  if (moved.length === 0) return base || undefined;
  const text = moved.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ");
  return base ? `${base} (${text})` : `(${text})`;
}

function keepsKeyword(dialect: StrictDialect, key: string, value: unknown): boolean {
  if (!KEPT[dialect].has(key)) return false;
  if (key === "format" && dialect === "anthropic") return typeof value === "string" && ANTHROPIC_FORMATS.has(value);
  return true;
}

function rewriteObject(node: Node, out: Node, dialect: StrictDialect, at: string): void {
  const extra = node.additionalProperties;
  // A loose object (`{}` or `true`) with named properties closes faithfully: zod strips or keeps
  // unknown keys, and a strict caller has no way to name one. A typed map cannot be expressed.
  const open = extra !== undefined && extra !== false && !(isNode(extra) && Object.keys(extra).length === 0) && extra !== true;
  if (open) throw new Refused(`free-form keys (a record or map) at ${at || "/"}`);
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const props = isNode(node.properties) ? node.properties : {};
  const outProps: Node = {};
  for (const [name, sub] of Object.entries(props)) {
    const path = `${at}/${name}`;
    const strict = rewrite(sub as Schema, dialect, path);
    outProps[name] = required.has(name) || admitsNull(sub as Schema) ? strict : nullable(strict);
  }
  out.type = "object";
  out.properties = outProps;
  out.required = Object.keys(outProps);
  out.additionalProperties = false;
}

/** `schema` or null, flattening an existing anyOf so that providers see one list of branches. */
function nullable(schema: Node): Node {
  const { description, ...rest } = schema;
  const branches = Array.isArray(rest.anyOf) && Object.keys(rest).length === 1 ? (rest.anyOf as Node[]) : [rest];
  return { anyOf: [...branches, { type: "null" }], ...(description === undefined ? {} : { description }) };
}

function rewrite(schema: Schema, dialect: StrictDialect, at: string): Node {
  if (schema === true) throw new Refused(`a value of any type at ${at || "/"}`);
  if (schema === false) throw new Refused(`a schema that accepts nothing at ${at || "/"}`);
  const out: Node = {};
  const moved: [string, unknown][] = [];
  for (const [key, value] of Object.entries(schema)) {
    const refused = REFUSED.get(key);
    if (refused) throw new Refused(`${refused} at ${at || "/"}`);
    if (NARROWING.has(key)) {
      if (keepsKeyword(dialect, key, value)) out[key] = value;
      else moved.push([key, value]);
    } else if (key === "$ref" || key === "title" || key === "enum" || key === "const") out[key] = value;
    else if (key === "$defs" || key === "definitions") out[key] = rewriteMap(value, dialect, `${at}/${key}`);
    else if (!STRUCTURAL.has(key) && !ANNOTATIONS.has(key)) throw new Refused(`the keyword "${key}" at ${at || "/"}`);
  }
  if (Object.keys(schema).every((k) => ANNOTATIONS.has(k) && k !== "$ref")) throw new Refused(`a value of any type at ${at || "/"}`);
  rewriteApplicators(schema, out, dialect, at);
  if (schema.type === "object" || isNode(schema.properties)) rewriteObject(schema, out, dialect, at);
  else if (schema.type !== undefined) out.type = schema.type;
  if (schema.type === "array" || schema.items !== undefined) {
    if (!isNode(schema.items)) throw new Refused(`an array without one item schema at ${at || "/"}`);
    out.items = rewrite(schema.items, dialect, `${at}/items`);
  }
  // Anthropic's strict mode takes a literal without its type (its SDK drops the type the same way).
  if (dialect === "anthropic" && ("enum" in out || "const" in out)) delete out.type;
  const description = describeMoved(schema, moved);
  if (description !== undefined) out.description = description;
  return out;
}

function rewriteMap(value: unknown, dialect: StrictDialect, at: string): Node {
  if (!isNode(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, s]) => [k, rewrite(s as Schema, dialect, `${at}/${k}`)]));
}

function rewriteApplicators(schema: Node, out: Node, dialect: StrictDialect, at: string): void {
  // A discriminated union's branches exclude each other, so anyOf accepts exactly what oneOf did.
  const branches = [...(Array.isArray(schema.anyOf) ? schema.anyOf : []), ...(Array.isArray(schema.oneOf) ? schema.oneOf : [])];
  if (branches.length > 0) out.anyOf = branches.map((s, i) => rewrite(s as Schema, dialect, `${at}/anyOf/${i}`));
  // An intersection's parts would each have to be closed, which rejects the other parts' fields.
  if (Array.isArray(schema.allOf)) throw new Refused(`an intersection (allOf) at ${at || "/"}`);
}

/** The strict form of an input schema for `dialect`, or why the tool cannot be offered strictly. */
export function toStrictSchema(input: Record<string, unknown>, dialect: StrictDialect): StrictResult {
  const { $schema: _, $id: __, ...schema } = input;
  try {
    return { ok: true, schema: rewrite(schema, dialect, "") };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: `strict mode cannot express ${error.message}` };
    throw error;
  }
}
