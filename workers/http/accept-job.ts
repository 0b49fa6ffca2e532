/**
 * Accepting a job over HTTP, shared by `POST /v1/jobs` and a tool URL called asynchronously
 * (`?async=true` or `Prefer: respond-async`): scope, exposure, input and Idempotency-Key checks,
 * then 202 with the job's id and a Location to poll.
 */
import type { Context } from "hono";
import { startJob } from "../jobs/start-job";
import { IdempotencyKey } from "../lib/contracts/jobs";
import type { RunTrigger } from "../lib/contracts/runs";
import { dropAbsentNulls } from "../lib/domain/absent-nulls";
import { getActiveFunction } from "../lib/infra/db/functions.repo";
import type { RunRow } from "../lib/infra/db/runs.repo";
import { notFound } from "./errors";
import { authorize } from "./middleware/auth";
import { enforceRateLimits } from "./rate-limit";
import type { AppEnv } from "./types";
import { assertValidInput, parseWith } from "./validate";

export async function acceptJob(
  c: Context<AppEnv>,
  name: string,
  body: unknown,
  inputPath: string,
  o: { absentNulls?: boolean } = {},
): Promise<Response> {
  authorize(c, "jobs:write", name);
  const key = c.req.header("idempotency-key");
  const idempotencyKey = key === undefined ? undefined : parseWith(IdempotencyKey, key, "/headers/idempotency-key");
  const { run, created } = await startCheckedJob(c, name, body, inputPath, { trigger: "job", idempotencyKey, ...o });
  const statusUrl = `${new URL(c.req.url).origin}/v1/jobs/${run.id}`;
  c.header("Location", statusUrl);
  return c.json({ id: run.id, status: run.status, statusUrl, created }, created ? 202 : 200);
}

/**
 * The checks every job start over HTTP makes (exposure, input, rate limits), then the start;
 * the caller has checked the `jobs:write` scope for this function. Shared with MCP tasks.
 */
export async function startCheckedJob(
  c: Context<AppEnv>,
  name: string,
  body: unknown,
  inputPath: string,
  o: { trigger: RunTrigger; idempotencyKey?: string; absentNulls?: boolean },
): Promise<{ run: RunRow; created: boolean }> {
  const fn = await getActiveFunction(c.get("db"), name);
  if (!fn?.manifest.exposures.job) throw notFound(`job function "${name}"`);
  // A tool URL called asynchronously reads a strict caller's nulls as tool calls do (absent-nulls.ts).
  const input = o.absentNulls ? dropAbsentNulls(fn.manifest.input, body) : body;
  assertValidInput(fn, input, inputPath);
  await enforceRateLimits(c, name, fn.manifest.rateLimit);
  return startJob(c.env, c.executionCtx, c.get("db"), fn, input, {
    trigger: o.trigger,
    idempotencyKey: o.idempotencyKey,
    // Children of this job (ctx.invoke) stay within what this credential may use.
    allowedFunctions: c.get("principal").functions,
  });
}

/** Whether a tool call asks to run as a job instead of waiting for the output. */
export function wantsAsync(c: Context<AppEnv>): boolean {
  return c.req.query("async") === "true" || /(^|[,\s])respond-async($|[,;\s])/i.test(c.req.header("prefer") ?? "");
}
