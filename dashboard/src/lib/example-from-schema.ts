/**
 * Builds an example value from a JSON Schema (as zod's toJSONSchema emits it): defaults and
 * examples first, then enum/const, then a plausible value per type. Pure; bounded depth.
 */

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function firstType(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === "string" && x !== "null");
  return undefined;
}

function exampleString(schema: Schema): string {
  switch (schema.format) {
    case "email":
      return "ada@example.com";
    case "uri":
    case "url":
      return "https://example.com";
    case "date-time":
      return new Date(0).toISOString();
    case "date":
      return "2025-01-01";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const text = "hello";
  return text.length >= min ? text : text.padEnd(min, "o");
}

function exampleNumber(schema: Schema, integer: boolean): number {
  const min =
    typeof schema.minimum === "number"
      ? schema.minimum
      : typeof schema.exclusiveMinimum === "number"
        ? schema.exclusiveMinimum + 1
        : undefined;
  const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
  let n = min ?? (max !== undefined ? Math.min(1, max) : 1);
  if (integer) n = Math.ceil(n);
  return n;
}

/** An example value matching `schema` as closely as a quick walk allows. */
export function exampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!isObject(schema) || depth > 8) return null;
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const pick = options.find((o) => isObject(o) && o.type !== "null") ?? options[0];
      return exampleFromSchema(pick, depth + 1);
    }
  }
  switch (firstType(schema) ?? (isObject(schema.properties) ? "object" : undefined)) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      for (const [name, sub] of Object.entries(props)) out[name] = exampleFromSchema(sub, depth + 1);
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: Math.min(min, 3) }, () => exampleFromSchema(schema.items, depth + 1));
    }
    case "string":
      return exampleString(schema);
    case "integer":
      return exampleNumber(schema, true);
    case "number":
      return exampleNumber(schema, false);
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return {};
  }
}
