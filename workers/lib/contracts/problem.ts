/**
 * Problem documents (RFC 9457): the one error shape of the HTTP API, shared with the dashboard and CLI.
 * Imports nothing but zod.
 */
import { z } from "zod";

/** One field-level validation issue: where (JSON path) and what. */
export const FieldIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

/** Stable error codes; `type` is derived from the code. */
export const ErrorCode = z.enum([
  "bad_request",
  "invalid_json",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "compile_error",
  "load_error",
  "function_failed",
  "function_timeout",
  "output_too_large",
  "rate_limited",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: ErrorCode,
  detail: z.string(),
  requestId: z.string(),
  issues: z.array(FieldIssue).optional(),
  runId: z.string().optional(),
  /** Whether sending the same request again may succeed (an agent loop's cue to retry or to change its input). */
  retryable: z.boolean(),
  location: z.object({ file: z.string(), line: z.number(), column: z.number() }).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const problemType = (code: ErrorCode): string => `https://kiln.dev/problems/${code.replaceAll("_", "-")}`;
