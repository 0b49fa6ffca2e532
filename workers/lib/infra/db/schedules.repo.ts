/**
 * Schedules in D1, and the runs they started (found by their idempotency key prefix
 * `sched:<id>:`, a range on the runs_fn_idempotency index).
 */
import { and, asc, count, desc, eq, gt, gte, inArray, lt, lte, notInArray, sql } from "drizzle-orm";
import { TERMINAL_STATUSES } from "../../contracts/runs";
import { scheduleRunKey } from "../../domain/schedule-slots";
import type { Db } from "./functions.repo";
import type { RunRow } from "./runs.repo";
import { runs, schedules } from "./schema";

export type ScheduleRow = typeof schedules.$inferSelect;
export type NewSchedule = typeof schedules.$inferInsert;

export { scheduleRunKey };

export async function insertSchedule(db: Db, row: NewSchedule): Promise<ScheduleRow> {
  const [inserted] = await db.insert(schedules).values(row).returning();
  if (!inserted) throw new Error("schedule insert returned no row");
  return inserted;
}

/** How many schedules target a function (through the schedules_fn index). */
export const countSchedulesQuery = (db: Db, functionName: string) =>
  db.select({ n: count() }).from(schedules).where(eq(schedules.functionName, functionName));

export async function countSchedules(db: Db, functionName: string): Promise<number> {
  const [row] = await countSchedulesQuery(db, functionName);
  return row?.n ?? 0;
}

export async function getSchedule(db: Db, id: string): Promise<ScheduleRow | undefined> {
  return db.select().from(schedules).where(eq(schedules.id, id)).get();
}

/** One page, oldest first: after `cursor`, of the functions in `only` (null: all). */
export async function listSchedules(db: Db, q: { only: readonly string[] | null; cursor?: string; limit: number }): Promise<ScheduleRow[]> {
  const where = and(
    q.only === null ? undefined : inArray(schedules.functionName, [...q.only]),
    q.cursor === undefined ? undefined : gt(schedules.id, q.cursor),
  );
  return db.select().from(schedules).where(where).orderBy(asc(schedules.id)).limit(q.limit);
}

export async function updateSchedule(db: Db, id: string, patch: Partial<NewSchedule>): Promise<ScheduleRow | undefined> {
  const [row] = await db.update(schedules).set(patch).where(eq(schedules.id, id)).returning();
  return row;
}

export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id });
  return deleted.length > 0;
}

/** Unpaused schedules whose next fire time has come, through the (paused, next_fire_at) index. */
export function dueSchedulesQuery(db: Db, now: number, limit = 200) {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.paused, false), lte(schedules.nextFireAt, now)))
    .orderBy(asc(schedules.nextFireAt))
    .limit(limit);
}

export async function listDueSchedules(db: Db, now: number, limit = 200): Promise<ScheduleRow[]> {
  return dueSchedulesQuery(db, now, limit);
}

/**
 * The tick's write: only if nobody moved the schedule since it was read (a racing tick did the same
 * work). `skipped` is added to the counter; `lastRunId` is the newest run this tick started.
 */
export async function advanceSchedule(
  db: Db,
  row: ScheduleRow,
  next: { lastSlotAt: number; pendingSlotAt: number | null; nextFireAt: number | null; skipped?: number; lastRunId?: string | null },
): Promise<void> {
  const { skipped = 0, lastRunId, lastSlotAt, pendingSlotAt, nextFireAt } = next;
  await db
    .update(schedules)
    .set({
      lastSlotAt,
      pendingSlotAt,
      nextFireAt,
      ...(skipped > 0 ? { skippedSlots: sql`${schedules.skippedSlots} + ${skipped}` } : {}),
      ...(lastRunId ? { lastRunId } : {}),
    })
    .where(and(eq(schedules.id, row.id), eq(schedules.updatedAt, row.updatedAt), eq(schedules.lastSlotAt, row.lastSlotAt)));
}

function scheduleRuns(functionId: string, scheduleId: string) {
  const prefix = scheduleRunKey(scheduleId, "");
  // ';' follows ':' in ASCII: [prefix, prefix with ';') is every key that starts with the prefix.
  const end = `${prefix.slice(0, -1)};`;
  return and(eq(runs.functionId, functionId), gte(runs.idempotencyKey, prefix), lt(runs.idempotencyKey, end));
}

export async function hasLiveRun(db: Db, functionId: string, scheduleId: string): Promise<boolean> {
  const live = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(scheduleRuns(functionId, scheduleId), notInArray(runs.status, [...TERMINAL_STATUSES])))
    .limit(1);
  return live.length > 0;
}

/** The status of each schedule's newest run, for a page of schedules: one query by primary key. */
export async function lastRunsOf(db: Db, rows: readonly ScheduleRow[]): Promise<Map<string, Pick<RunRow, "id" | "status" | "createdAt">>> {
  const ids = rows.flatMap((r) => (r.lastRunId ? [r.lastRunId] : []));
  if (ids.length === 0) return new Map();
  const found = await db.select({ id: runs.id, status: runs.status, createdAt: runs.createdAt }).from(runs).where(inArray(runs.id, ids));
  return new Map(found.map((r) => [r.id, r]));
}

/** A schedule's runs across every function it has targeted (the function keeps its id across versions). */
export async function recentScheduleRuns(db: Db, functionName: string, scheduleId: string, limit = 20): Promise<RunRow[]> {
  const prefix = scheduleRunKey(scheduleId, "");
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.functionName, functionName), gte(runs.idempotencyKey, prefix), lt(runs.idempotencyKey, `${prefix.slice(0, -1)};`)))
    .orderBy(desc(runs.id))
    .limit(limit);
}
