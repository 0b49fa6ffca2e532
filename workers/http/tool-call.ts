/**
 * A synchronous tool call over HTTP once its input has passed: run it, answer with the output or a
 * problem document that says whether retrying may help, and honour `Idempotency-Key`. Shared by
 * `POST /v1/tools/:name`; imports the runtime, infra and the HTTP helpers.
 *
 * Idempotency: the key is claimed (per credential, function and key) before the function runs, so
 * a concurrent repeat never runs it twice; the first response is kept for IDEMPOTENCY_WINDOW_MS
 * and returned to a repeat with the same body. A failure that says `retryable: true` is not kept:
 * retrying with the same key runs the function again, which is what the flag promises.
 */
import type { Context } from "hono";
import { IdempotencyKey } from "../lib/contracts/jobs";
import type { Principal } from "../lib/domain/access";
import { sha256Hex } from "../lib/infra/crypto";
import type { ActiveFunction } from "../lib/infra/db/functions.repo";
import {
  claimToolKey,
  completeToolKey,
  dropToolKey,
  releaseToolKey,
  type ToolKeyRow,
  type ToolKeyScope,
} from "../lib/infra/db/tool-keys.repo";
import { callTool } from "../runtime/call-tool";
import type { Outcome } from "../runtime/invoke";
import { AppError, problemResponse } from "./errors";
import type { AppEnv } from "./types";
import { parseWith } from "./validate";

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claim still running this long after the function's own timeout was abandoned (its isolate died). */
const ABANDONED_AFTER_MS = 60_000;
/** A response larger than this is not kept: a repeat runs the function again. */
const MAX_KEPT_BYTES = 1_500_000;

/** The response to a finished call: the output, or a problem document with the run id and `retryable`. */
function outcomeResponse(c: Context<AppEnv>, name: string, runId: string, outcome: Outcome): Response {
  c.header("Kiln-Run-Id", runId);
  switch (outcome.status) {
    case "succeeded":
      return c.body(outcome.output, 200, { "content-type": "application/json" });
    case "invalid_input":
      return problemResponse(
        c,
        new AppError("validation_failed", 400, `input does not match the schema of "${name}"`, { issues: outcome.issues, runId }),
      );
    case "timed_out":
      return problemResponse(c, new AppError("function_timeout", 504, outcome.error.message, { runId, retryable: true }));
    case "failed": {
      const { error } = outcome;
      if (outcome.reason === "output_too_large") {
        return problemResponse(c, new AppError("output_too_large", 502, error.message, { runId, retryable: false }));
      }
      const detail = error.step ? `step "${error.step}" failed: ${error.message}` : error.message;
      return problemResponse(c, new AppError("function_failed", 502, detail, { runId, retryable: error.retryable }));
    }
  }
}

async function runOnce(c: Context<AppEnv>, fn: ActiveFunction, input: unknown): Promise<Response> {
  const { runId, outcome, save } = await callTool(c.env, c.executionCtx, c.get("db"), fn, input, {
    allowedFunctions: c.get("principal").functions,
  });
  const flush = save();
  if (flush) c.executionCtx.waitUntil(flush);
  return outcomeResponse(c, fn.name, runId, outcome);
}

/** One scope per credential: a token's or session's own id, else its key's. */
function credentialOf(p: Principal): string {
  return p.tokenId ? `${p.kind}:${p.tokenId}` : `${p.kind}:${p.keyId}`;
}

function stale(row: ToolKeyRow, fn: ActiveFunction, now: number): boolean {
  if (row.status !== null) return now - row.createdAt > IDEMPOTENCY_WINDOW_MS;
  return now - row.createdAt > fn.manifest.timeoutMs + ABANDONED_AFTER_MS;
}

function replay(row: ToolKeyRow & { status: number }): Response {
  const type = row.status < 300 ? "application/json" : "application/problem+json";
  return new Response(row.body, {
    status: row.status,
    headers: { "content-type": type, "kiln-run-id": row.runId, "idempotent-replayed": "true" },
  });
}

/** Runs the call, or with an `Idempotency-Key` header, answers a repeat with the first response. */
export async function respondToToolCall(c: Context<AppEnv>, fn: ActiveFunction, input: unknown): Promise<Response> {
  const header = c.req.header("idempotency-key");
  if (header === undefined) return runOnce(c, fn, input);
  const db = c.get("db");
  const scope: ToolKeyScope = {
    credential: credentialOf(c.get("principal")),
    functionName: fn.name,
    key: parseWith(IdempotencyKey, header, "/headers/idempotency-key"),
  };
  const now = Date.now();
  const claim = { requestHash: await sha256Hex(JSON.stringify(input)), runId: "", now };
  let held = await claimToolKey(db, scope, claim);
  if (held && stale(held, fn, now)) {
    // Only that row goes (a newer claim made meanwhile stays), then one more try.
    await releaseToolKey(db, scope, held.createdAt + 1);
    held = await claimToolKey(db, scope, claim);
  }
  if (held) {
    if (held.requestHash !== claim.requestHash) {
      throw new AppError("conflict", 409, "this Idempotency-Key was already used with a different request body", { retryable: false });
    }
    if (held.status === null) {
      throw new AppError("conflict", 409, "a call with this Idempotency-Key is still running; retry once it has ended", {
        retryable: true,
        headers: { "retry-after": "1" },
      });
    }
    return replay({ ...held, status: held.status });
  }
  return runAndKeep(c, fn, input, scope);
}

async function runAndKeep(c: Context<AppEnv>, fn: ActiveFunction, input: unknown, scope: ToolKeyScope): Promise<Response> {
  const db = c.get("db");
  let response: Response;
  try {
    response = await runOnce(c, fn, input);
  } catch (error) {
    await dropToolKey(db, scope);
    throw error;
  }
  const body = await response.clone().text();
  const retryable = response.status >= 400 && (JSON.parse(body) as { retryable?: unknown }).retryable === true;
  // D1 holds at most 2 MB in a value; an output of up to 1 MiB characters can exceed that in UTF-8.
  const tooLarge = new TextEncoder().encode(body).length > MAX_KEPT_BYTES;
  if (retryable || tooLarge) await dropToolKey(db, scope);
  else await completeToolKey(db, scope, { status: response.status, body, runId: response.headers.get("kiln-run-id") ?? "" });
  return response;
}
