/**
 * The one error type thrown at the HTTP boundary, and its rendering as a problem document.
 * Unknown errors are logged with their cause and become a generic 500 (which tests treat as a bug).
 */
import type { Context } from "hono";
import { type ErrorCode, type Problem, problemType } from "../lib/contracts/problem";
import { AppError } from "../lib/errors";

export { AppError, notFound } from "../lib/errors";

const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  invalid_json: "Malformed JSON",
  validation_failed: "Validation failed",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  compile_error: "Compile error",
  load_error: "Function failed to load",
  function_failed: "Function failed",
  function_timeout: "Function timed out",
  output_too_large: "Output too large",
  rate_limited: "Too many requests",
  internal: "Internal error",
};

/** Statuses where the same request may succeed later: rate limits, upstream failures, unavailability, timeouts. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export function problemResponse(c: Context, e: AppError): Response {
  const { issues, runId, location, headers } = e.extras;
  const body: Problem = {
    type: problemType(e.code),
    title: TITLES[e.code],
    status: e.status,
    code: e.code,
    detail: e.publicMessage,
    requestId: c.get("requestId") ?? "unknown",
    ...(issues ? { issues } : {}),
    ...(runId ? { runId } : {}),
    retryable: e.extras.retryable ?? RETRYABLE_STATUSES.has(e.status),
    ...(location ? { location } : {}),
  };
  return c.body(JSON.stringify(body), e.status, { "content-type": "application/problem+json", ...headers });
}

/** Hono's onError: AppErrors as they are; anything else is logged and hidden behind a 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof AppError) return problemResponse(c, err);
  console.error(JSON.stringify({ msg: "unhandled error", requestId: c.get("requestId"), error: err.stack ?? String(err) }));
  return problemResponse(c, new AppError("internal", 500, "An unexpected error occurred; it has been logged with this request id."));
}
