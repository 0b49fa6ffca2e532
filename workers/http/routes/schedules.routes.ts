/**
 * /v1/schedules: a job function run on a cron expression in an IANA time zone (create, list, get
 * with its recent runs, update, delete, pause, resume, run now, preview the next fire times). The
 * per-minute tick starts them (workers/schedules/dispatch.ts).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { startJob } from "../../jobs/start-job";
import { type RunStatus, RunsQuery } from "../../lib/contracts/runs";
import {
  CreateScheduleRequest,
  ListSchedulesQuery,
  MAX_SCHEDULES_PER_FUNCTION,
  PreviewQuery,
  type ScheduleDetail,
  type ScheduleView,
  UpdateScheduleRequest,
} from "../../lib/contracts/schedules";
import { canTouchFunction } from "../../lib/domain/access";
import { isoInZone, nextFireAt, nextSlots, parseCron } from "../../lib/domain/schedule-slots";
import { type ActiveFunction, getActiveFunction } from "../../lib/infra/db/functions.repo";
import { countRunsByStatus } from "../../lib/infra/db/runs.repo";
import {
  countSchedules,
  deleteSchedule,
  getSchedule,
  insertSchedule,
  lastRunsOf,
  listSchedules,
  recentScheduleRuns,
  type ScheduleRow,
  scheduleRunKey,
  updateSchedule,
} from "../../lib/infra/db/schedules.repo";
import { newId } from "../../lib/infra/ids";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { enforceRateLimits } from "../rate-limit";
import type { AppEnv } from "../types";
import { assertValidInput, readBody, readQuery } from "../validate";

/** The expression in its zone, or a 400 naming the field that is wrong. */
function cronOrThrow(expr: string, tz: string, paths = { cron: "/cron", tz: "/timezone" }) {
  const parsed = parseCron(expr, tz);
  if (parsed.ok) return parsed.cron;
  throw new AppError("validation_failed", 400, parsed.message, {
    issues: [{ path: parsed.reason === "bad_zone" ? paths.tz : paths.cron, message: parsed.message }],
  });
}

async function jobFunction(c: Context<AppEnv>, name: string): Promise<ActiveFunction> {
  const fn = await getActiveFunction(c.get("db"), name);
  if (!fn?.manifest.exposures.job) throw notFound(`job function "${name}"`);
  return fn;
}

/** The schedule, if this credential may see its function (otherwise it does not exist for it). */
async function scheduleFor(c: Context<AppEnv>, scope: "schedules:read" | "schedules:write"): Promise<ScheduleRow> {
  authorize(c, scope);
  const row = await getSchedule(c.get("db"), c.req.param("id") ?? "");
  if (!row || !canTouchFunction(c.get("principal"), row.functionName)) throw notFound(`schedule "${c.req.param("id")}"`);
  return row;
}

type LastRuns = Awaited<ReturnType<typeof lastRunsOf>>;

function scheduleView(r: ScheduleRow, last: LastRuns): ScheduleView {
  const at = (ms: number | null) => (ms === null ? null : isoInZone(ms, r.timezone));
  const lastRun = r.lastRunId ? last.get(r.lastRunId) : undefined;
  return {
    id: r.id,
    name: r.name,
    function: r.functionName,
    cron: r.cron,
    timezone: r.timezone,
    input: JSON.parse(r.input),
    overlap: r.overlap as ScheduleView["overlap"],
    catchUp: r.catchUp as ScheduleView["catchUp"],
    jitterMs: r.jitterMs,
    endAt: at(r.endAt),
    paused: r.paused,
    nextFireAt: r.paused ? null : at(r.nextFireAt),
    lastSlotAt: isoInZone(r.lastSlotAt, r.timezone),
    skippedSlots: r.skippedSlots,
    lastRun: lastRun ? { id: lastRun.id, status: lastRun.status as RunStatus, createdAt: new Date(lastRun.createdAt).toISOString() } : null,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** Views of a page of schedules, with the status of each one's newest run (one query). */
async function scheduleViews(c: Context<AppEnv>, rows: ScheduleRow[]): Promise<ScheduleView[]> {
  const last = await lastRunsOf(c.get("db"), rows);
  return rows.map((r) => scheduleView(r, last));
}

const oneView = async (c: Context<AppEnv>, row: ScheduleRow): Promise<ScheduleView> =>
  scheduleView(row, await lastRunsOf(c.get("db"), [row]));

/** The stored row a PATCH makes; a new expression, zone or jitter starts its series from now. */
async function patched(c: Context<AppEnv>, row: ScheduleRow, req: UpdateScheduleRequest, now: number): Promise<Partial<ScheduleRow>> {
  const cron = req.cron ?? row.cron;
  const timezone = req.timezone ?? row.timezone;
  const parsed = cronOrThrow(cron, timezone);
  if (req.input !== undefined) assertValidInput(await jobFunction(c, row.functionName), req.input, "/input");
  const endAt = req.endAt === undefined ? row.endAt : req.endAt === null ? null : Date.parse(req.endAt);
  const jitterMs = req.jitterMs ?? row.jitterMs;
  const reseries = cron !== row.cron || timezone !== row.timezone || jitterMs !== row.jitterMs;
  const lastSlotAt = reseries ? Math.max(now, row.lastSlotAt) : row.lastSlotAt;
  return {
    ...(req.name === undefined ? {} : { name: req.name }),
    ...(req.input === undefined ? {} : { input: JSON.stringify(req.input) }),
    ...(req.overlap === undefined ? {} : { overlap: req.overlap }),
    ...(req.catchUp === undefined ? {} : { catchUp: req.catchUp }),
    cron,
    timezone,
    jitterMs,
    endAt,
    lastSlotAt,
    nextFireAt: nextFireAt({ id: row.id, cron: parsed, jitterMs, endAt }, lastSlotAt),
    updatedAt: now,
  };
}

export const schedulesRoutes = new Hono<AppEnv>()
  .get("/preview", (c) => {
    authorize(c, "schedules:read");
    const q = readQuery(c, PreviewQuery);
    const cron = cronOrThrow(q.cron, q.tz, { cron: "/cron", tz: "/tz" });
    const fireTimes = nextSlots(cron, Date.now(), q.count).map((t) => isoInZone(t, q.tz));
    return c.json({ cron: q.cron, timezone: q.tz, fireTimes });
  })
  .get("/", async (c) => {
    authorize(c, "schedules:read");
    const q = readQuery(c, ListSchedulesQuery);
    const allowed = c.get("principal").functions;
    if (q.function !== undefined) authorize(c, "schedules:read", q.function);
    const only = q.function !== undefined ? [q.function] : allowed;
    const rows = await listSchedules(c.get("db"), { only, cursor: q.cursor, limit: q.limit });
    const nextCursor = rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null;
    return c.json({ items: await scheduleViews(c, rows), nextCursor });
  })
  .post("/", async (c) => {
    authorize(c, "schedules:write");
    const req = await readBody(c, CreateScheduleRequest);
    authorize(c, "schedules:write", req.function);
    const cron = cronOrThrow(req.cron, req.timezone);
    assertValidInput(await jobFunction(c, req.function), req.input, "/input");
    // Each schedule may fire every minute and the tick starts at most 200 slots: one tenant's
    // schedules must not crowd out everyone else's.
    if ((await countSchedules(c.get("db"), req.function)) >= MAX_SCHEDULES_PER_FUNCTION) {
      throw new AppError(
        "conflict",
        409,
        `function "${req.function}" already has ${MAX_SCHEDULES_PER_FUNCTION} schedules; delete one first`,
      );
    }
    const now = Date.now();
    const id = newId("sch", now);
    const endAt = req.endAt === null ? null : Date.parse(req.endAt);
    const { function: functionName, input, ...rest } = req;
    const row = await insertSchedule(c.get("db"), {
      ...rest,
      id,
      functionName,
      input: JSON.stringify(input),
      endAt,
      paused: false,
      lastSlotAt: now,
      nextFireAt: nextFireAt({ id, cron, jitterMs: req.jitterMs, endAt }, now),
      createdBy: c.get("principal").keyId,
      createdAt: now,
      updatedAt: now,
    });
    await audit(c, "schedule.create", id, { function: functionName, cron: req.cron, timezone: req.timezone });
    return c.json(await oneView(c, row), 201);
  })
  .get("/:id", async (c) => {
    const row = await scheduleFor(c, "schedules:read");
    const [runs, counted] = await Promise.all([
      recentScheduleRuns(c.get("db"), row.functionName, row.id),
      countRunsByStatus(c.get("db"), RunsQuery.parse({ function: row.functionName, schedule: row.id }), null),
    ]);
    const origin = new URL(c.req.url).origin;
    const recentRuns = runs.map((r) => ({
      id: r.id,
      status: r.status as ScheduleDetail["recentRuns"][number]["status"],
      trigger: r.trigger,
      createdAt: new Date(r.createdAt).toISOString(),
      url: `${origin}/v1/jobs/${r.id}`,
    }));
    const counts = { byStatus: counted.counts, capped: counted.capped };
    return c.json({ ...(await oneView(c, row)), recentRuns, counts } satisfies ScheduleDetail);
  })
  .patch("/:id", async (c) => {
    const row = await scheduleFor(c, "schedules:write");
    const req = await readBody(c, UpdateScheduleRequest);
    const updated = await updateSchedule(c.get("db"), row.id, await patched(c, row, req, Date.now()));
    if (!updated) throw notFound(`schedule "${row.id}"`);
    await audit(c, "schedule.update", row.id, { fields: Object.keys(req) });
    return c.json(await oneView(c, updated));
  })
  .delete("/:id", async (c) => {
    const row = await scheduleFor(c, "schedules:write");
    // Its running jobs finish; no further slot fires once the row is gone.
    if (!(await deleteSchedule(c.get("db"), row.id))) throw notFound(`schedule "${row.id}"`);
    await audit(c, "schedule.delete", row.id, { function: row.functionName });
    return c.body(null, 204);
  })
  .post("/:id/pause", async (c) => {
    const row = await scheduleFor(c, "schedules:write");
    const updated = await updateSchedule(c.get("db"), row.id, { paused: true, updatedAt: Date.now() });
    await audit(c, "schedule.pause", row.id);
    return c.json(await oneView(c, updated ?? row));
  })
  .post("/:id/resume", async (c) => {
    const row = await scheduleFor(c, "schedules:write");
    const cron = cronOrThrow(row.cron, row.timezone);
    // From the last slot dealt with: the next tick sees the slots missed while paused, and the
    // catch-up policy decides what fires (skip: none of them; latest: one; all: up to 100).
    const next = nextFireAt({ id: row.id, cron, jitterMs: row.jitterMs, endAt: row.endAt }, row.lastSlotAt);
    const updated = await updateSchedule(c.get("db"), row.id, { paused: false, nextFireAt: next, updatedAt: Date.now() });
    await audit(c, "schedule.resume", row.id);
    return c.json(await oneView(c, updated ?? row));
  })
  .post("/:id/trigger", async (c) => {
    const row = await scheduleFor(c, "schedules:write");
    authorize(c, "schedules:write", row.functionName);
    const fn = await jobFunction(c, row.functionName);
    // Run now is a job start like POST /v1/jobs: the same rate limits apply.
    await enforceRateLimits(c, fn.name, fn.manifest.rateLimit);
    const key = scheduleRunKey(row.id, `now:${newId("trg")}`);
    const { run } = await startJob(c.env, c.executionCtx, c.get("db"), fn, JSON.parse(row.input), {
      trigger: "manual",
      idempotencyKey: key,
    });
    await updateSchedule(c.get("db"), row.id, { lastRunId: run.id });
    await audit(c, "schedule.trigger", row.id, { runId: run.id });
    const statusUrl = `${new URL(c.req.url).origin}/v1/jobs/${run.id}`;
    c.header("Location", statusUrl);
    return c.json({ id: run.id, status: run.status, statusUrl }, 202);
  });
