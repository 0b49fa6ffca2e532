/**
 * Accepting a job over HTTP, shared by `POST /v1/jobs` and a tool URL called asynchronously
 * (`?async=true` or `Prefer: respond-async`): scope, exposure, input and Idempotency-Key checks,
 * then 202 with the job's id and a Location to poll.
 */
import type { Context } from "hono";
import { startJob } from "../jobs/start-job";
import { IdempotencyKey } from "../lib/contracts/jobs";
import { getActiveFunction } from "../lib/infra/db/functions.repo";
import { notFound } from "./errors";
import { authorize } from "./middleware/auth";
import { enforceRateLimits } from "./rate-limit";
import type { AppEnv } from "./types";
import { assertValidInput, parseWith } from "./validate";

export async function acceptJob(c: Context<AppEnv>, name: string, input: unknown, inputPath: string): Promise<Response> {
  authorize(c, "jobs:write", name);
  const key = c.req.header("idempotency-key");
  const idempotencyKey = key === undefined ? undefined : parseWith(IdempotencyKey, key, "/headers/idempotency-key");
  const fn = await getActiveFunction(c.get("db"), name);
  if (!fn?.manifest.exposures.job) throw notFound(`job function "${name}"`);
  assertValidInput(fn, input, inputPath);
  await enforceRateLimits(c, name, fn.manifest.rateLimit);
  const { run, created } = await startJob(c.env, c.executionCtx, c.get("db"), fn, input, {
    trigger: "job",
    idempotencyKey,
    // Children of this job (ctx.invoke) stay within what this credential may use.
    allowedFunctions: c.get("principal").functions,
  });
  const statusUrl = `${new URL(c.req.url).origin}/v1/jobs/${run.id}`;
  c.header("Location", statusUrl);
  return c.json({ id: run.id, status: run.status, statusUrl, created }, created ? 202 : 200);
}

/** Whether a tool call asks to run as a job instead of waiting for the output. */
export function wantsAsync(c: Context<AppEnv>): boolean {
  return c.req.query("async") === "true" || /(^|[,\s])respond-async($|[,;\s])/i.test(c.req.header("prefer") ?? "");
}
