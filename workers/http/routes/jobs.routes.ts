/**
 * /v1/jobs: start a durable run (202 with its id), read its state (live from its Durable Object
 * while it runs, from D1 afterwards), stream updates, cancel, deliver events, dead-letter list.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { endJob } from "../../jobs/end-job";
import { JobEventRequest, StartJobRequest } from "../../lib/contracts/jobs";
import { isJobTrigger, RunsQuery, TERMINAL_STATUSES } from "../../lib/contracts/runs";
import { canTouchFunction } from "../../lib/domain/access";
import { stepView, traceView } from "../../lib/domain/trace-view";
import { getRun, getTrace, listDeadLetter, listRuns, type RunRow } from "../../lib/infra/db/runs.repo";
import { acceptJob } from "../accept-job";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readBody, readQuery } from "../validate";
import { runPage, runView } from "../views";

async function jobRun(c: Context<AppEnv>, scope: "jobs:read" | "jobs:write"): Promise<RunRow> {
  authorize(c, scope);
  const run = await getRun(c.get("db"), c.req.param("id") ?? "");
  if (!run || !isJobTrigger(run.trigger) || !canTouchFunction(c.get("principal"), run.functionName))
    throw notFound(`job "${c.req.param("id")}"`);
  return run;
}

const isLive = (run: RunRow) => !TERMINAL_STATUSES.includes(run.status as never);

export const jobsRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    authorize(c, "jobs:write");
    const req = await readBody(c, StartJobRequest);
    return acceptJob(c, req.function, req.input, "/input");
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
        steps: live.steps.map(stepView),
        logs: [],
        spans: [],
      });
    return c.json({ ...view, currentStep: null, waitingFor: null, ...traceView(await getTrace(c.get("db"), run.id)) });
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
  .post("/:id/events", async (c) => {
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
