/**
 * Runs and their traces in D1. A finished tool run is written in one batch (an implicit
 * transaction), after the response has been sent.
 */
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { RunError, RunStatus, RunsQuery, RunTrigger, Trace } from "../../contracts/runs";
import type { Db } from "./functions.repo";
import { runLogs, runSpans, runSteps, runs } from "./schema";

/** D1 allows 100 bound parameters per statement. */
const MAX_PARAMS = 100;

function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export interface RunRecord {
  id: string;
  functionId: string;
  functionName: string;
  versionId: string;
  versionNumber: number;
  trigger: RunTrigger;
  status: RunStatus;
  input: string | null;
  output: string | null;
  error: RunError | null;
  attempt: number;
  idempotencyKey: string | null;
  requestHash: string | null;
  parentRunId: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

function runRow(r: RunRecord) {
  return {
    id: r.id,
    functionId: r.functionId,
    functionName: r.functionName,
    versionId: r.versionId,
    versionNumber: r.versionNumber,
    trigger: r.trigger,
    status: r.status,
    input: r.input,
    output: r.output,
    errorMessage: r.error?.message ?? null,
    errorName: r.error?.name ?? null,
    errorStep: r.error?.step ?? null,
    errorRetryable: r.error ? r.error.retryable : null,
    attempt: r.attempt,
    idempotencyKey: r.idempotencyKey,
    requestHash: r.requestHash,
    parentRunId: r.parentRunId,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
  };
}

/** Statements that insert a trace's steps, spans and logs, numbered from the given offsets. */
export function traceInserts(db: Db, runId: string, trace: Trace, offset = { steps: 0, spans: 0, logs: 0 }): BatchItem<"sqlite">[] {
  const items: BatchItem<"sqlite">[] = [];
  const steps = trace.steps.map((s, i) => ({ runId, seq: offset.steps + i, ...s }));
  for (const rows of chunks(steps, 10)) items.push(db.insert(runSteps).values(rows));
  const spans = trace.spans.map((s, i) => ({ runId, seq: offset.spans + i, ...s, durationMs: Math.round(s.durationMs) }));
  for (const rows of chunks(spans, 10)) items.push(db.insert(runSpans).values(rows));
  const logs = trace.logs.map((l, i) => ({ runId, seq: offset.logs + i, ...l }));
  for (const rows of chunks(logs, 7)) items.push(db.insert(runLogs).values(rows));
  return items;
}

/** Inserts a finished run with its whole trace. */
export async function saveFinishedRun(db: Db, run: RunRecord, trace: Trace): Promise<void> {
  await db.batch([db.insert(runs).values(runRow(run)), ...traceInserts(db, run.id, trace)]);
}

export type RunRow = typeof runs.$inferSelect;

export async function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  return db.select().from(runs).where(eq(runs.id, id)).get();
}

export async function getTrace(db: Db, runId: string): Promise<Trace> {
  const [steps, spans, logs] = await db.batch([
    db.select().from(runSteps).where(eq(runSteps.runId, runId)).orderBy(runSteps.seq),
    db.select().from(runSpans).where(eq(runSpans.runId, runId)).orderBy(runSpans.seq),
    db.select().from(runLogs).where(eq(runLogs.runId, runId)).orderBy(runLogs.seq),
  ]);
  return {
    steps: steps.map(({ runId: _, seq: __, ...s }) => ({ ...s, kind: s.kind as "step", status: s.status as "running" })),
    spans: spans.map(({ runId: _, seq: __, ...s }) => s),
    logs: logs.map(({ runId: _, seq: __, ...l }) => ({ ...l, level: l.level as "info" })),
  };
}

/** Newest first; `cursor` is the id of the last run of the previous page (ids sort by time). */
export async function listRuns(db: Db, q: RunsQuery, allowedFunctions: readonly string[] | null): Promise<RunRow[]> {
  const where: (SQL | undefined)[] = [];
  if (q.function) where.push(eq(runs.functionName, q.function));
  if (q.status) where.push(eq(runs.status, q.status));
  if (q.trigger) where.push(eq(runs.trigger, q.trigger));
  if (q.since) where.push(gte(runs.createdAt, Date.parse(q.since)));
  if (q.until) where.push(lte(runs.createdAt, Date.parse(q.until)));
  if (q.cursor) where.push(lt(runs.id, q.cursor));
  if (q.q) {
    const pattern = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const contains = (column: SQLiteColumn) => sql`${column} like ${pattern} escape '\\'`;
    where.push(or(contains(runs.id), contains(runs.functionName), contains(runs.errorMessage), contains(runs.input)));
  }
  if (allowedFunctions) where.push(inArray(runs.functionName, [...allowedFunctions]));
  return db
    .select()
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.id))
    .limit(q.limit)
    .all();
}
