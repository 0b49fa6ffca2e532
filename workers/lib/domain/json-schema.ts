/**
 * Validates tool input against a version's JSON Schema (@cfworker/json-schema: no code generation,
 * so it runs in workerd). Validators are compiled once per version id. Pure apart from the cache.
 */
import { Validator } from "@cfworker/json-schema";
import type { FieldIssue } from "../contracts/problem";

/** Keywords that only say "a child failed"; the child's own error is the useful one. */
const WRAPPERS = new Set(["properties", "patternProperties", "items", "prefixItems", "allOf", "$ref", "false"]);
const MAX_CACHED = 500;
const validators = new Map<string, Validator>();

export function validateInput(cacheKey: string, schema: Record<string, unknown>, value: unknown): FieldIssue[] {
  let validator = validators.get(cacheKey);
  if (!validator) {
    if (validators.size >= MAX_CACHED) validators.clear();
    validator = new Validator(schema as object, "2020-12", false);
    validators.set(cacheKey, validator);
  }
  const result = validator.validate(value);
  if (result.valid) return [];
  return result.errors
    .filter((e) => !WRAPPERS.has(e.keyword))
    .map((e) => ({ path: e.instanceLocation.replace(/^#/, "") || "/", message: e.error }));
}
