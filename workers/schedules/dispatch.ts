/**
 * Starting due schedules from the per-minute tick. Each slot becomes a job whose idempotency key
 * is `sched:<id>:<slot ISO>`, so a tick delivered twice, retried, or racing another tick starts
 * exactly one run per slot: the jobs are started first and the schedule advanced after, and a
 * replay of a half-done tick only finds runs that already exist. Imports lib and jobs/start-job.
 */

import type { Cron } from "croner";
import { startJob } from "../jobs/start-job";
import { validateInput } from "../lib/domain/json-schema";
import { parseCron, planTick, type ScheduleState } from "../lib/domain/schedule-slots";
import { AppError } from "../lib/errors";
import { type ActiveFunction, type Db, database, getActiveFunction } from "../lib/infra/db/functions.repo";
import { advanceSchedule, hasLiveRun, listDueSchedules, type ScheduleRow, scheduleRunKey } from "../lib/infra/db/schedules.repo";

/** The pure view of a stored schedule. */
export function scheduleState(row: ScheduleRow, cron: Cron): ScheduleState {
  return {
    id: row.id,
    cron,
    catchUp: row.catchUp as ScheduleState["catchUp"],
    overlap: row.overlap as ScheduleState["overlap"],
    jitterMs: row.jitterMs,
    endAt: row.endAt,
    lastSlotAt: row.lastSlotAt,
    pendingSlotAt: row.pendingSlotAt,
  };
}

type Ctx = Pick<ExecutionContext, "waitUntil">;

/** The slot's run id if this call created it, else null (the slot already had its run). */
async function fireSlot(env: Env, ctx: Ctx, db: Db, fn: ActiveFunction, row: ScheduleRow, slot: number): Promise<string | null> {
  const input: unknown = JSON.parse(row.input);
  try {
    const { run, created } = await startJob(env, ctx, db, fn, input, {
      trigger: "schedule",
      idempotencyKey: scheduleRunKey(row.id, new Date(slot).toISOString()),
    });
    return created ? run.id : null;
  } catch (e) {
    // The slot already started with the input of before a PATCH: that run is this slot's one run.
    if (e instanceof AppError && e.status === 409) return null;
    throw e;
  }
}

/** Why the slots cannot start (the target changed since the schedule was made), or null. */
function cannotFire(fn: ActiveFunction | null, row: ScheduleRow): string | null {
  if (!fn) return "the function is gone";
  if (!fn.manifest.exposures.job) return "the function's active version has no job exposure";
  const issues = validateInput(fn.versionId, fn.manifest.input, JSON.parse(row.input));
  return issues.length > 0 ? "its input no longer matches the function's input schema" : null;
}

/** One schedule's part of the tick; returns how many runs it started. */
async function dispatchOne(env: Env, ctx: Ctx, db: Db, row: ScheduleRow, now: number): Promise<number> {
  const parsed = parseCron(row.cron, row.timezone);
  if (!parsed.ok) {
    // Checked at creation; a zone the runtime dropped since must not be retried every minute.
    await advanceSchedule(db, row, { lastSlotAt: row.lastSlotAt, pendingSlotAt: null, nextFireAt: null });
    return 0;
  }
  const fn = await getActiveFunction(db, row.functionName);
  const live = fn !== null && row.overlap !== "allow" && (await hasLiveRun(db, fn.functionId, row.id));
  const plan = planTick(scheduleState(row, parsed.cron), now, live);
  let started = 0;
  let lastRunId: string | null = null;
  let skipped = plan.skipped;
  const why = plan.fire.length === 0 ? null : cannotFire(fn, row);
  if (why) {
    console.warn(JSON.stringify({ msg: "schedule slots skipped", scheduleId: row.id, slots: plan.fire.length, why }));
    skipped += plan.fire.length;
  } else if (fn) {
    for (const slot of plan.fire) {
      const runId = await fireSlot(env, ctx, db, fn, row, slot);
      if (runId) [started, lastRunId] = [started + 1, runId];
    }
  }
  const { lastSlotAt, pendingSlotAt, nextFireAt } = plan;
  await advanceSchedule(db, row, { lastSlotAt, pendingSlotAt, nextFireAt, skipped, lastRunId });
  return started;
}

/** How many due schedules one tick works on at once (each is a few D1 queries and a queue send). */
const PARALLEL = 8;

/**
 * Every due schedule gets its turn even if another one failed; the failures are thrown together.
 * Schedules are independent, so they are dispatched a few at a time, which keeps a tick with
 * hundreds of due schedules well within the minute.
 */
export async function dispatchDueSchedules(env: Env, ctx: Ctx, now: number): Promise<number> {
  const db = database(env.DB);
  const due = await listDueSchedules(db, now);
  let started = 0;
  const failed: string[] = [];
  const worker = async () => {
    for (let row = due.shift(); row; row = due.shift()) {
      try {
        started += await dispatchOne(env, ctx, db, row, now);
      } catch (e) {
        failed.push(`schedule ${row.id}: ${String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (failed.length > 0) throw new AggregateError(failed, failed.join("; "));
  return started;
}
