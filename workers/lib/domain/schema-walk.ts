/**
 * How a JSON Schema (2020-12, with the older draft keywords @cfworker/json-schema still accepts)
 * nests: which keywords hold subschemas, and whether a subschema applies to the same instance or
 * to a part of it. Shared by the deploy-time safety check and the platform validator. Pure.
 */

export type Schema = Record<string, unknown> | boolean;

/** Keywords whose subschemas apply to the instance itself. */
const SAME_ONE = ["not", "if", "then", "else"] as const;
const SAME_LIST = ["allOf", "anyOf", "oneOf"] as const;
const SAME_MAP = ["dependentSchemas"] as const;
/** Keywords whose subschemas apply to a member (property, item or key) of the instance. */
const PART_ONE = [
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "additionalItems",
  "unevaluatedItems",
  "contains",
] as const;
const PART_LIST = ["prefixItems"] as const;
const PART_MAP = ["properties", "patternProperties"] as const;
/** Subschemas only reached through `$ref`. */
const DEFS_MAP = ["$defs", "definitions"] as const;

export interface Child {
  /** JSON pointer of the child, relative to its parent schema. */
  pointer: string;
  schema: Schema;
  /** Whether it applies to the same instance as its parent (else to a member of it, or not directly). */
  relation: "same" | "part" | "defs";
}

export const isSchema = (v: unknown): v is Schema => typeof v === "boolean" || (typeof v === "object" && v !== null && !Array.isArray(v));

const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

/** The direct subschemas of a schema node, with how each applies. */
export function childrenOf(node: Schema): Child[] {
  if (typeof node === "boolean") return [];
  const out: Child[] = [];
  const one = (keys: readonly string[], relation: Child["relation"]) => {
    for (const k of keys) if (isSchema(node[k])) out.push({ pointer: `/${k}`, schema: node[k] as Schema, relation });
  };
  const list = (keys: readonly string[], relation: Child["relation"]) => {
    for (const k of keys) {
      const v = node[k];
      if (!Array.isArray(v)) continue;
      for (const [i, s] of v.entries()) if (isSchema(s)) out.push({ pointer: `/${k}/${i}`, schema: s, relation });
    }
  };
  const map = (keys: readonly string[], relation: Child["relation"]) => {
    for (const k of keys) {
      const v = node[k];
      if (isSchema(v) && typeof v === "object")
        for (const [name, s] of Object.entries(v))
          if (isSchema(s)) out.push({ pointer: `/${k}/${escapePointer(name)}`, schema: s, relation });
    }
  };
  one(SAME_ONE, "same");
  list(SAME_LIST, "same");
  map(SAME_MAP, "same");
  one(PART_ONE, "part");
  list(PART_LIST, "part");
  map(PART_MAP, "part");
  map(DEFS_MAP, "defs");
  // `items` is one schema (2020-12) or a list (older drafts); `dependencies` mixes schemas and name lists.
  if (isSchema(node.items)) out.push({ pointer: "/items", schema: node.items, relation: "part" });
  else list(["items"], "part");
  if (isSchema(node.dependencies) && typeof node.dependencies === "object") map(["dependencies"], "same");
  return out;
}

/** Resolves a local `$ref` ("#" or "#/json/pointer") against the root; undefined when it does not resolve. */
export function resolveLocalRef(root: Schema, ref: string): Schema | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    } catch {
      return undefined;
    }
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return isSchema(node) ? node : undefined;
}
