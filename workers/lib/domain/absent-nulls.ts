/**
 * The way back from a strict catalog (strict-schema.ts): a strict model must send every property,
 * and sends null for an optional one it means to leave out. Kiln's rule, applied to every tool
 * call (the call does not say which catalog its caller read): a null for a property that the
 * function's schema leaves optional and that does not accept null means "absent". A null the
 * schema accepts stays null. Pure; never mutates the input, and returns it as it is (no copy) when
 * nothing in it was dropped, which is every call that sends no such null.
 */

import type { Schema } from "./schema-walk";
import { admitsNull } from "./strict-schema";
import { discriminatedBranch } from "./union-branch";

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** The union branch `value` belongs to when that can be told without validating. */
function branchFor(branches: unknown[], value: Node): Node | undefined {
  const choice = discriminatedBranch(branches, value);
  if (choice && "index" in choice) return branches[choice.index] as Node;
  const objects = branches.filter((b): b is Node => isNode(b) && isNode(b.properties));
  return objects.length === 1 ? objects[0] : undefined;
}

/** Depth is bounded by the input's own nesting limit (64 levels, json-limits.ts). */
export function dropAbsentNulls(schema: Schema, value: unknown): unknown {
  if (typeof schema === "boolean") return value;
  if (Array.isArray(value)) {
    if (!isNode(schema.items)) return value;
    const mapped = value.map((v) => dropAbsentNulls(schema.items as Schema, v));
    return mapped.every((v, i) => v === value[i]) ? value : mapped;
  }
  if (!isNode(value)) return value;
  const union = [...(Array.isArray(schema.anyOf) ? schema.anyOf : []), ...(Array.isArray(schema.oneOf) ? schema.oneOf : [])];
  const branch = union.length > 0 ? branchFor(union, value) : undefined;
  if (branch) return dropAbsentNulls(branch, value);
  if (!isNode(schema.properties)) return value;
  const props = schema.properties;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  // Object.fromEntries defines own properties, so a "__proto__" key stays data, as JSON.parse made it.
  const kept: [string, unknown][] = [];
  let changed = false;
  for (const [key, v] of Object.entries(value)) {
    const sub = Object.hasOwn(props, key) ? (props[key] as Schema) : undefined;
    if (sub === undefined) kept.push([key, v]);
    else if (v !== null || required.has(key) || admitsNull(sub)) {
      const next = dropAbsentNulls(sub, v);
      changed ||= next !== v;
      kept.push([key, next]);
    } else changed = true;
  }
  return changed ? Object.fromEntries(kept) : value;
}
