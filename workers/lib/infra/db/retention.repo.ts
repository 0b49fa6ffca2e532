/**
 * Retention: deletes runs older than their function's retention (with their steps, spans, logs
 * and text-index rows), expired tool-call idempotency claims and old webhook deliveries, each in
 * bounded batches so no sweep holds D1 in one long transaction. Imports drizzle and the schema.
 */
import { and, asc, eq, exists, gt, inArray, like, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { LIVE_STATUSES } from "../../contracts/runs";
import { idTimePrefix } from "../ids";
import type { Db } from "./functions.repo";
import { functions, isJobRun, runLogs, runSpans, runSteps, runs, toolCallKeys, webhookDeliveries } from "./schema";

const DAY_MS = 86_400_000;
/** D1 takes at most 100 bound parameters per statement. */
const IDS_PER_STATEMENT = 90;

/** `> 0` rather than `is not null`: a range SQLite reads through functions_retention (days are ≥ 1). */
const hasOwnRetention = gt(functions.retentionDays, 0);
/** A run that has ended, as NOT IN the live statuses: an IN list would lead SQLite to runs_status_id and a sort of every old run. */
const ended = notInArray(runs.status, [...LIVE_STATUSES]);

/**
 * Ids of ended runs past their retention, oldest first, at most `limit`. A job still live (a long
 * sleep or wait, up to a year) is kept until it ends: its row and its Durable Object are in use.
 */
export async function expiredRunIds(db: Db, o: { now: number; defaultDays: number; limit: number }): Promise<string[]> {
  const overrides = await db.select({ name: functions.name, days: functions.retentionDays }).from(functions).where(hasOwnRetention).all();
  const withOwn = db.select({ name: functions.name }).from(functions).where(hasOwnRetention);
  // Ids begin with their creation time: "older than" is a key range of the primary key.
  const byDefault = db
    .select({ id: runs.id })
    .from(runs)
    .where(and(lt(runs.id, idTimePrefix("run", o.now - o.defaultDays * DAY_MS)), notInArray(runs.functionName, withOwn), ended))
    .orderBy(asc(runs.id))
    .limit(o.limit);
  const own = overrides.map((f) =>
    db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.functionName, f.name), lt(runs.id, idTimePrefix("run", o.now - (f.days ?? o.defaultDays) * DAY_MS)), ended))
      .orderBy(asc(runs.id))
      .limit(o.limit),
  );
  const found = await db.batch([byDefault, ...own]);
  return found
    .flat()
    .map((r) => r.id)
    .sort()
    .slice(0, o.limit);
}

/** What a marker of a payload kept in R2 begins with (lib/domain/json-text). */
const MARKER_LIKE = '{"kiln:truncated"%';

/** Those of these runs that match `where`, each read by its key, up to IDS_PER_STATEMENT ids a statement, in one batch. */
async function runIdsWhere(db: Db, ids: string[], where: SQL | undefined): Promise<string[]> {
  const queries = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT)
    queries.push(
      db
        .select({ id: runs.id })
        .from(runs)
        .where(and(inArray(runs.id, ids.slice(i, i + IDS_PER_STATEMENT)), where)),
    );
  const [first, ...rest] = queries;
  if (!first) return [];
  const found = await db.batch([first, ...rest]);
  return found.flat().map((r) => r.id);
}

/**
 * Those of these runs that may have objects in R2 (a marker in their input, output or a step's
 * result): only they cost an R2 list when they are deleted. Each step is read through run_steps_pk.
 */
export function runsWithPayloads(db: Db, ids: string[]): Promise<string[]> {
  const marked = or(
    like(runs.input, MARKER_LIKE),
    like(runs.output, MARKER_LIKE),
    exists(
      db
        .select({ one: sql`1` })
        .from(runSteps)
        .where(and(eq(runSteps.runId, runs.id), like(runSteps.output, MARKER_LIKE))),
    ),
  );
  return runIdsWhere(db, ids, marked);
}

/** Those of these runs that are jobs: each has a Durable Object with its live state and step results. */
export function jobRunsOf(db: Db, ids: string[]): Promise<string[]> {
  return runIdsWhere(db, ids, isJobRun);
}

/** Deletes these runs and everything they own in one batch (one short implicit transaction). */
export async function deleteRuns(db: Db, ids: string[]): Promise<void> {
  const items: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const part = ids.slice(i, i + IDS_PER_STATEMENT);
    items.push(
      db.delete(runSteps).where(inArray(runSteps.runId, part)),
      db.delete(runSpans).where(inArray(runSpans.runId, part)),
      db.delete(runLogs).where(inArray(runLogs.runId, part)),
      // The runs_fts_delete trigger drops the run's text-index row with it.
      db.delete(runs).where(inArray(runs.id, part)),
    );
  }
  const [first, ...rest] = items;
  if (first) await db.batch([first, ...rest]);
}

/** Deletes at most `limit` tool-call idempotency claims made before `before`; returns how many. */
export async function pruneToolKeys(db: Db, before: number, limit: number): Promise<number> {
  const oldest = db.select({ rowid: sql`rowid` }).from(toolCallKeys).where(lt(toolCallKeys.createdAt, before)).limit(limit);
  const gone = await db.delete(toolCallKeys).where(sql`rowid in ${oldest}`).returning({ key: toolCallKeys.key });
  return gone.length;
}

/**
 * At most `limit` webhook deliveries (accepted, filtered or rejected) received before `before`,
 * oldest first, each saying whether its payload is a marker (its body is then in R2).
 */
export async function expiredDeliveries(
  db: Db,
  before: number,
  limit: number,
): Promise<{ id: string; endpointId: string; offloaded: boolean }[]> {
  // Delivery ids begin with their receipt time, like run ids.
  const rows = await db
    .select({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId, offloaded: like(webhookDeliveries.payload, MARKER_LIKE) })
    .from(webhookDeliveries)
    .where(lt(webhookDeliveries.id, idTimePrefix("dlv", before)))
    .orderBy(asc(webhookDeliveries.id))
    .limit(limit)
    .all();
  return rows.map((r) => ({ ...r, offloaded: Boolean(r.offloaded) }));
}

/** Deletes these deliveries; returns how many were there. */
export async function deleteDeliveries(db: Db, ids: string[]): Promise<number> {
  let gone = 0;
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const part = ids.slice(i, i + IDS_PER_STATEMENT);
    gone += (await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, part)).returning({ id: webhookDeliveries.id })).length;
  }
  return gone;
}

/** Sets (or clears, with null) a function's own retention; false if there is no such function. */
export async function setRetentionDays(db: Db, name: string, days: number | null, now: number): Promise<boolean> {
  const changed = await db
    .update(functions)
    .set({ retentionDays: days, updatedAt: now })
    .where(eq(functions.name, name))
    .returning({ id: functions.id });
  return changed.length > 0;
}

/** A function's own retention in days (null: the default), or undefined if there is no such function. */
export async function getRetentionDays(db: Db, name: string): Promise<number | null | undefined> {
  const row = await db.select({ days: functions.retentionDays }).from(functions).where(eq(functions.name, name)).get();
  return row === undefined ? undefined : row.days;
}
