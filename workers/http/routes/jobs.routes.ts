/**
 * /v1/jobs: start a durable run (202 with its id), read its state (live from its Durable Object
 * while it runs, from D1 afterwards), stream updates, cancel, deliver events, dead-letter list.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { endJob } from "../../jobs/end-job";
import { startJob } from "../../jobs/start-job";
import { IdempotencyKey, JobEventRequest, StartJobRequest } from "../../lib/contracts/jobs";
import { RunsQuery, TERMINAL_STATUSES } from "../../lib/contracts/runs";
import { canTouchFunction } from "../../lib/domain/access";
import { getActiveFunction } from "../../lib/infra/db/functions.repo";
import { getRun, getTrace, listDeadLetter, listRuns, type RunRow } from "../../lib/infra/db/runs.repo";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { assertValidInput, parseWith, readBody, readQuery } from "../validate";
import { runPage, runView } from "../views";

const MAX_JOB_BODY_BYTES = 1024 * 1024;
const tooLarge = () => {
  throw new AppError("payload_too_large", 413, `job requests are limited to ${MAX_JOB_BODY_BYTES} bytes`);
};

async function jobRun(c: Context<AppEnv>, scope: "jobs:read" | "jobs:write"): Promise<RunRow> {
  authorize(c, scope);
  const run = await getRun(c.get("db"), c.req.param("id") ?? "");
  if (!run || run.trigger === "tool" || !canTouchFunction(c.get("principal"), run.functionName))
    throw notFound(`job "${c.req.param("id")}"`);
  return run;
}

const isLive = (run: RunRow) => !TERMINAL_STATUSES.includes(run.status as never);

export const jobsRoutes = new Hono<AppEnv>()
  .post("/", bodyLimit({ maxSize: MAX_JOB_BODY_BYTES, onError: tooLarge }), async (c) => {
    authorize(c, "jobs:write");
    const req = await readBody(c, StartJobRequest);
    authorize(c, "jobs:write", req.function);
    const key = c.req.header("idempotency-key");
    const idempotencyKey = key === undefined ? undefined : parseWith(IdempotencyKey, key, "/headers/idempotency-key");
    const fn = await getActiveFunction(c.get("db"), req.function);
    if (!fn?.manifest.exposures.job) throw notFound(`job function "${req.function}"`);
    assertValidInput(fn, req.input, "/input");
    const { run, created } = await startJob(c.env, c.executionCtx, c.get("db"), fn, req.input, { trigger: "job", idempotencyKey });
    const statusUrl = `${new URL(c.req.url).origin}/v1/jobs/${run.id}`;
    c.header("Location", statusUrl);
    return c.json({ id: run.id, status: run.status, statusUrl, created }, created ? 202 : 200);
  })
  .get("/", async (c) => {
    authorize(c, "jobs:read");
    const query = readQuery(c, RunsQuery);
    return c.json(runPage(await listRuns(c.get("db"), query, c.get("principal").functions, { jobsOnly: true }), query.limit));
  })
  .get("/dead-letter", async (c) => {
    authorize(c, "jobs:read");
    const { limit } = readQuery(c, z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }));
    const rows = await listDeadLetter(c.get("db"), limit, c.get("principal").functions);
    return c.json({ items: rows.map(runView) });
  })
  .get("/:id", async (c) => {
    const run = await jobRun(c, "jobs:read");
    const live = isLive(run) ? await c.env.JOB.getByName(run.id).snapshot() : null;
    const view = runView(run);
    if (live)
      return c.json({
        ...view,
        status: live.status === "queued" ? view.status : live.status,
        currentStep: live.currentStep,
        waitingFor: live.waitingFor,
        steps: live.steps,
        logs: [],
        spans: [],
      });
    return c.json({ ...view, currentStep: null, waitingFor: null, ...(await getTrace(c.get("db"), run.id)) });
  })
  .get("/:id/stream", async (c) => {
    const run = await jobRun(c, "jobs:read");
    return c.env.JOB.getByName(run.id).fetch("https://job/stream");
  })
  .post("/:id/cancel", async (c) => {
    const run = await jobRun(c, "jobs:write");
    const error = { message: `cancelled by ${c.get("principal").keyId}`, name: "Cancelled", step: null, retryable: false };
    if (!(await endJob(c.env, c.get("db"), run, "cancelled", error))) throw new AppError("conflict", 409, `job "${run.id}" already ended`);
    return c.json(runView((await getRun(c.get("db"), run.id)) ?? run));
  })
  .post("/:id/events", bodyLimit({ maxSize: MAX_JOB_BODY_BYTES, onError: tooLarge }), async (c) => {
    const run = await jobRun(c, "jobs:write");
    const event = await readBody(c, JobEventRequest);
    if (!isLive(run)) throw new AppError("conflict", 409, `job "${run.id}" already ended as ${run.status}`);
    const instance = await c.env.RUN_WORKFLOW.get(run.id).catch(() => null);
    if (!instance)
      throw new AppError("conflict", 409, `job "${run.id}" has not started yet; send the event once it runs`, {
        headers: { "retry-after": "1" },
      });
    await instance.sendEvent({ type: event.type, payload: event.payload });
    return c.json({ accepted: true, type: event.type }, 202);
  });
