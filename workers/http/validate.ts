/**
 * Reading request input: JSON bodies and query strings, parsed with a zod schema, turned into 400
 * problem documents with per-field issues.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { FieldIssue } from "../lib/contracts/problem";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../lib/domain/json-limits";
import { validateInput } from "../lib/domain/json-schema";
import type { ActiveFunction } from "../lib/infra/db/functions.repo";
import { AppError } from "./errors";

export function zodIssues(error: z.ZodError, prefix = ""): FieldIssue[] {
  return error.issues.map((i) => ({ path: `${prefix}/${i.path.join("/")}`, message: i.message }));
}

/** The body as JSON, without schema: malformed JSON, too deep nesting and wrong media types are 4xx. */
export async function readJsonBody(c: Context, options: { optional?: boolean } = {}): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError("unsupported_media_type", 415, "send the body as application/json");
  }
  const text = await c.req.text();
  if (text.trim() === "" && options.optional) return {};
  if (text.trim() === "") throw new AppError("invalid_json", 400, "the request body is empty; send a JSON document");
  if (nestsDeeperThan(text)) {
    throw new AppError("invalid_json", 400, `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("invalid_json", 400, `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError("validation_failed", 400, "the request does not match the expected shape", {
      issues: zodIssues(parsed.error, prefix),
    });
  }
  return parsed.data;
}

/** Parses the body with `schema`; with `optional`, an empty body counts as `{}`. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, options: { optional?: boolean } = {}): Promise<z.output<S>> {
  return parseWith(schema, await readJsonBody(c, options));
}

/** Validates a function's input against its version's JSON Schema; issue paths start at `prefix`. */
export function assertValidInput(fn: ActiveFunction, input: unknown, prefix = ""): void {
  const issues = validateInput(fn.versionId, fn.manifest.input, input);
  if (issues.length === 0) return;
  throw new AppError("validation_failed", 400, `input does not match the schema of "${fn.name}"`, {
    issues: issues.map((i) => ({ ...i, path: prefix && i.path === "/" ? prefix : `${prefix}${i.path}` })),
  });
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query());
}
