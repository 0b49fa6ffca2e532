/**
 * Flattens a JSON Schema (as zod's toJSONSchema emits it) into readable rows: one per field, nested
 * fields named with dots (`address.city`) and array items with `[]` (`tags[]`), each with its
 * type, whether it is required, its description and its constraints in words. Pure; bounded depth.
 */

type Schema = Record<string, unknown>;

export interface SchemaRow {
  name: string;
  type: string;
  required: boolean;
  description: string;
  constraints: string[];
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_DEPTH = 6;

/** The type in words: "string", "integer | null", "array of string", "object", "one of …". */
export function typeOf(s: Schema): string {
  if (s.const !== undefined) return `constant ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.enum)) return "enum";
  const variants = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(variants)) return variants.filter(isObject).map(typeOf).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : typeof s.type === "string" ? s.type : "any";
  if (t === "array" && isObject(s.items)) return `array of ${typeOf(s.items)}`;
  return t;
}

const CONSTRAINTS: [string, (v: unknown) => string][] = [
  ["enum", (v) => `one of ${(v as unknown[]).map((x) => JSON.stringify(x)).join(", ")}`],
  ["format", (v) => `format ${String(v)}`],
  ["pattern", (v) => `matches /${String(v)}/`],
  ["minLength", (v) => `at least ${v} characters`],
  ["maxLength", (v) => `at most ${v} characters`],
  ["minimum", (v) => `≥ ${v}`],
  ["exclusiveMinimum", (v) => `> ${v}`],
  ["maximum", (v) => `≤ ${v}`],
  ["exclusiveMaximum", (v) => `< ${v}`],
  ["multipleOf", (v) => `multiple of ${v}`],
  ["minItems", (v) => `at least ${v} items`],
  ["maxItems", (v) => `at most ${v} items`],
  ["uniqueItems", (v) => (v === true ? "unique items" : "")],
  ["default", (v) => `default ${JSON.stringify(v)}`],
];

/** zod writes the safe-integer range on every int: a bound nobody chose is no constraint to show. */
const chosen = (k: string, v: unknown) =>
  v !== undefined && !((k === "minimum" || k === "maximum") && typeof v === "number" && Math.abs(v) >= Number.MAX_SAFE_INTEGER);

function constraintsOf(s: Schema): string[] {
  return CONSTRAINTS.filter(([k]) => chosen(k, s[k]))
    .map(([k, say]) => say(s[k]))
    .filter(Boolean);
}

function walk(s: Schema, name: string, required: boolean, depth: number, out: SchemaRow[]): void {
  if (name)
    out.push({
      name,
      type: typeOf(s),
      required,
      description: typeof s.description === "string" ? s.description : "",
      constraints: constraintsOf(s),
    });
  if (depth >= MAX_DEPTH) return;
  if (isObject(s.properties)) {
    const req = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : []);
    for (const [key, child] of Object.entries(s.properties))
      if (isObject(child)) walk(child, name ? `${name}.${key}` : key, req.has(key), depth + 1, out);
  }
  if (isObject(s.items) && isObject(s.items.properties)) walk(s.items, `${name}[]`, true, depth + 1, out);
}

/** The rows of a schema; a schema that is not an object (a bare string output) is one row named "(value)". */
export function schemaRows(schema: unknown): SchemaRow[] {
  if (!isObject(schema)) return [];
  if (!isObject(schema.properties))
    return [
      {
        name: "(value)",
        type: typeOf(schema),
        required: true,
        description: typeof schema.description === "string" ? schema.description : "",
        constraints: constraintsOf(schema),
      },
    ];
  const out: SchemaRow[] = [];
  walk(schema, "", true, 0, out);
  return out;
}
