/**
 * Schema parts that JSON Schema cannot express. zod's toJSONSchema renders a `z.bigint()`, a
 * `z.date()` or a `z.custom()` as `{}` (anything), which would advertise and validate "any value"
 * where the function accepts only one kind: the isolate's describe() marks such parts with
 * UNREPRESENTABLE_KEY instead, and the deploy refuses them with the field's path. Pure.
 */
import { childrenOf, type Schema } from "./schema-walk";

/** The marker describe() puts where zod had no JSON Schema; its value names the zod type. */
export const UNREPRESENTABLE_KEY = "x-kiln-unrepresentable";

const ADVICE: Record<string, string> = {
  bigint: "JSON has no big integers: take a string (z.string().regex(/^-?\\d+$/)) or a z.number().int()",
  date: "JSON has no dates: use z.coerce.date() or z.iso.datetime(), which travel as an ISO 8601 string",
  custom: "a z.custom() check has no JSON Schema: describe the value with zod's JSON types",
};

/** Where `schema` holds a marked part, as JSON pointers under `at`, with what to use instead. */
export function unrepresentableParts(schema: Schema, at: string): { path: string; message: string }[] {
  if (typeof schema === "boolean") return [];
  const kind = schema[UNREPRESENTABLE_KEY];
  const own =
    typeof kind === "string"
      ? [{ path: at || "/", message: `z.${kind}() cannot be expressed in JSON Schema; ${ADVICE[kind] ?? "use a JSON type"}` }]
      : [];
  return [...own, ...childrenOf(schema).flatMap((c) => unrepresentableParts(c.schema, `${at}${c.pointer}`))];
}
