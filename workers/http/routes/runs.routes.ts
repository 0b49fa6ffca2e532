/**
 * /v1/runs: every run of every trigger, filtered, newest first (`function=prefix*` matches a name
 * prefix), with counts per status for the same filter; one run with its whole trace; its whole
 * input or output, and a step's whole result (from R2 when over 64 KiB); a replay of an ended run as a new job (a live run is refused with 409).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { startJob } from "../../jobs/start-job";
import { ReplayRequest } from "../../lib/contracts/jobs";
import { isJobTrigger, type RunStatus, RunsQuery, TERMINAL_STATUSES } from "../../lib/contracts/runs";
import { canTouchFunction } from "../../lib/domain/access";
import { traceView } from "../../lib/domain/trace-view";
import { getActiveFunction } from "../../lib/infra/db/functions.repo";
import { countRunsByStatus, getRun, getStepOutput, getTrace, listChildren, listRuns, type RunRow } from "../../lib/infra/db/runs.repo";
import { isStepResultKey, payloadKey, wholeText } from "../../lib/infra/payloads";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { enforceRateLimits } from "../rate-limit";
import type { AppEnv } from "../types";
import { readBody, readQuery } from "../validate";
import { childView, runPage, runView } from "../views";

/** The run `id` names, if this credential may read it. */
async function readableRun(c: Context<AppEnv>): Promise<RunRow> {
  authorize(c, "runs:read");
  const run = await getRun(c.get("db"), c.req.param("id") ?? "");
  if (!run || !canTouchFunction(c.get("principal"), run.functionName)) throw notFound(`run "${c.req.param("id")}"`);
  return run;
}

/** A step record's stored result: from D1 once the run ended, from its job's live state before. */
async function stepOutput(c: Context<AppEnv>, run: RunRow, index: number): Promise<string | null | undefined> {
  const stored = await getStepOutput(c.get("db"), run.id, index);
  if (stored !== undefined || TERMINAL_STATUSES.includes(run.status as RunStatus) || !isJobTrigger(run.trigger)) return stored;
  const live = await c.env.JOB.getByName(run.id).snapshot();
  return live?.steps[index]?.output;
}

export const runsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "runs:read");
    const query = readQuery(c, RunsQuery);
    return c.json(runPage(await listRuns(c.get("db"), query, c.get("principal").functions), query.limit));
  })
  .get("/counts", async (c) => {
    authorize(c, "runs:read");
    const query = readQuery(c, RunsQuery);
    return c.json(await countRunsByStatus(c.get("db"), query, c.get("principal").functions));
  })
  .post("/:id/replay", async (c) => {
    authorize(c, "jobs:write");
    const db = c.get("db");
    const { fromFailedStep } = await readBody(c, ReplayRequest, { optional: true });
    const parent = await getRun(db, c.req.param("id"));
    if (!parent || !canTouchFunction(c.get("principal"), parent.functionName)) throw notFound(`run "${c.req.param("id")}"`);
    // A replay is a job: refused like POST /v1/jobs when the function is not exposed as one.
    const fn = await getActiveFunction(db, parent.functionName);
    if (!fn?.manifest.exposures.job) throw notFound(`job function "${parent.functionName}"`);
    // Two live copies of one job would both act; replay once the first has ended (or cancel it).
    if (!TERMINAL_STATUSES.includes(parent.status as RunStatus))
      throw new AppError("conflict", 409, `run "${parent.id}" is still ${parent.status}; replay it once it has ended, or cancel it first`);
    const text = await wholeText(c.env.PAYLOADS, parent.input, payloadKey(parent.id, "input"));
    if (text === null) throw new AppError("conflict", 409, "this run's input was too large to keep, so it cannot be replayed");
    const input: unknown = JSON.parse(text);
    await enforceRateLimits(c, fn.name, fn.manifest.rateLimit);
    const reuseFrom = fromFailedStep && isJobTrigger(parent.trigger) ? parent.id : undefined;
    const { run } = await startJob(c.env, c.executionCtx, db, fn, input, {
      trigger: "replay",
      parentRunId: parent.id,
      reuseFrom,
      allowedFunctions: c.get("principal").functions,
    });
    return c.json(
      { id: run.id, status: run.status, parentRunId: parent.id, statusUrl: `${new URL(c.req.url).origin}/v1/jobs/${run.id}` },
      202,
    );
  })
  // A run's whole input or output, even over 64 KiB (the detail view then holds a marker with a preview).
  .get("/:id/payload/:part{input|output}", async (c) => {
    const run = await readableRun(c);
    const part = c.req.param("part") === "input" ? "input" : "output";
    const text = await wholeText(c.env.PAYLOADS, run[part], payloadKey(run.id, part));
    if (text === null) throw notFound(`the whole ${part} of run "${run.id}" (only a preview was kept)`);
    return c.body(text, 200, { "content-type": "application/json" });
  })
  // A step's whole result (index as in the run's `steps`); over 64 KiB the step holds a marker.
  .get("/:id/steps/:index{[0-9]+}/result", async (c) => {
    const run = await readableRun(c);
    const index = Number(c.req.param("index"));
    // A run keeps at most TRACE_LIMITS.steps (1,000) step records.
    const output = index < 10_000 ? await stepOutput(c, run, index) : undefined;
    if (output === undefined) throw notFound(`step ${index} of run "${run.id}"`);
    const text = await wholeText(c.env.PAYLOADS, output, (key) => isStepResultKey(run.id, key));
    if (text === null) throw notFound(`the whole result of step ${index} of run "${run.id}" (only a preview was kept)`);
    return c.body(text, 200, { "content-type": "application/json" });
  })
  .get("/:id", async (c) => {
    authorize(c, "runs:read");
    const db = c.get("db");
    const run = await getRun(db, c.req.param("id"));
    if (!run || !canTouchFunction(c.get("principal"), run.functionName)) throw notFound(`run "${c.req.param("id")}"`);
    const [trace, children] = await Promise.all([getTrace(db, run.id), listChildren(db, run.id)]);
    const visible = children.filter((child) => canTouchFunction(c.get("principal"), child.functionName));
    return c.json({ ...runView(run), ...traceView(trace), children: visible.map(childView) });
  });
