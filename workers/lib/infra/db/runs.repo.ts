/**
 * Runs and their traces in D1. A finished tool run is written in one batch (an implicit
 * transaction), after the response has been sent.
 */
import { and, desc, eq, getTableColumns, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import {
  LIVE_STATUSES,
  type RunError,
  type RunStatus,
  type RunsQuery,
  type RunTrigger,
  TERMINAL_STATUSES,
  type Trace,
} from "../../contracts/runs";
import { scheduleRunKey } from "../../domain/schedule-slots";
import { idTimePrefix } from "../ids";
import { boundInsert, statementOf } from "./bound-insert";
import type { Db } from "./functions.repo";
import { countsStatus, rollupOnEnd, rollupStatements } from "./rollups.repo";
import { functions, isJobRun, runLogs, runSpans, runSteps, runs } from "./schema";

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
  /** Optional for runs outside any invoke tree (the root is then the run itself). */
  rootRunId?: string | null;
  depth?: number;
  allowedFunctions?: readonly string[] | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** A run error as its four columns. */
function errorColumns(error: RunError | null) {
  return {
    errorMessage: error?.message ?? null,
    errorName: error?.name ?? null,
    errorStep: error?.step ?? null,
    errorRetryable: error ? error.retryable : null,
  };
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
    ...errorColumns(r.error),
    attempt: r.attempt,
    idempotencyKey: r.idempotencyKey,
    requestHash: r.requestHash,
    parentRunId: r.parentRunId,
    rootRunId: r.rootRunId ?? r.id,
    depth: r.depth ?? 0,
    allowedFunctions: r.allowedFunctions ? JSON.stringify(r.allowedFunctions) : null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
  };
}

/** Bound values per row of each trace table: chunks() puts as many rows in one INSERT as D1 allows. */
const COLUMNS = {
  steps: Object.keys(getTableColumns(runSteps)).length,
  spans: Object.keys(getTableColumns(runSpans)).length,
  logs: Object.keys(getTableColumns(runLogs)).length,
};

/** Statements that insert a run's trace: its steps, spans and logs, numbered in order (bound-insert.ts). */
function traceStatements(db: Db, runId: string, functionName: string, trace: Trace): D1PreparedStatement[] {
  const steps = trace.steps.map((s, i) => ({ runId, seq: i, ...s }));
  const spans = trace.spans.map((s, i) => ({ runId, seq: i, ...s, durationMs: Math.round(s.durationMs) }));
  const logs = trace.logs.map((l, i) => ({ runId, seq: i, ...l, functionName }));
  return [
    ...chunks(steps, COLUMNS.steps).map((r) => boundInsert(db, "steps", runSteps, r, () => db.insert(runSteps).values(r))),
    ...chunks(spans, COLUMNS.spans).map((r) => boundInsert(db, "spans", runSpans, r, () => db.insert(runSpans).values(r))),
    ...chunks(logs, COLUMNS.logs).map((r) => boundInsert(db, "logs", runLogs, r, () => db.insert(runLogs).values(r))),
  ];
}

/** A finished run and its whole trace as D1 statements (the tool-call path writes many). */
function finishedRunStatements(db: Db, run: RunRecord, trace: Trace): D1PreparedStatement[] {
  const row = runRow(run);
  return [boundInsert(db, "run", runs, [row], () => db.insert(runs).values(row)), ...traceStatements(db, run.id, run.functionName, trace)];
}

/**
 * Inserts finished runs with their whole traces and their rollup counts, in one batch (an implicit
 * transaction: a batch that fails counts nothing, so a retry counts each run once).
 */
export async function saveFinishedRuns(db: Db, items: { run: RunRecord; trace: Trace }[]): Promise<void> {
  if (items.length === 0) return;
  const statements = items.flatMap(({ run, trace }) => finishedRunStatements(db, run, trace));
  await db.$client.batch([
    ...statements,
    ...rollupStatements(
      db,
      items.map((i) => i.run),
    ),
  ]);
}

export type RunRow = typeof runs.$inferSelect;

export async function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  return db.select().from(runs).where(eq(runs.id, id)).get();
}

/** The stored result of a run's `index`th step record (0-based, as GET /v1/runs/:id lists them); undefined if there is none. */
export async function getStepOutput(db: Db, runId: string, index: number): Promise<string | null | undefined> {
  const row = await db
    .select({ output: runSteps.output })
    .from(runSteps)
    .where(eq(runSteps.runId, runId))
    .orderBy(runSteps.seq)
    .limit(1)
    .offset(index)
    .get();
  return row?.output;
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
    logs: logs.map(({ runId: _, seq: __, functionName: ___, ...l }) => ({ ...l, level: l.level as "info" })),
  };
}

/** Runs matching every condition, limited to the functions a principal may see, newest first. */
function newestRuns(db: Db, where: (SQL | undefined)[], allowedFunctions: readonly string[] | null, limit: number): Promise<RunRow[]> {
  const visible = allowedFunctions ? [...where, inArray(runs.functionName, [...allowedFunctions])] : where;
  return db
    .select()
    .from(runs)
    .where(and(...visible))
    .orderBy(desc(runs.id))
    .limit(limit)
    .all();
}

/**
 * `q` as an FTS5 query: its words (letters and digits) as one phrase. Only a `q` ending in "*"
 * makes its last word a prefix (`billing-sy*` finds `billing-sync`): a prefix reads every entry
 * of every word it starts (a common one costs tens of ms at a million runs), while whole words
 * stream newest first and stop at the page size. Quoting makes every FTS5 operator in `q` a
 * plain word; null when `q` holds no word. Substrings inside a word are not found.
 */
export function ftsQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return `"${words.join(" ")}"${q.trimEnd().endsWith("*") ? "*" : ""}`;
}

/** A `q` that is a run id or the start of one is looked up in the id index, not in the text index. */
const RUN_ID_PREFIX = /^run_[0-9a-z]{1,26}$/;

/**
 * The conditions of a runs query (all but the cursor and `q` text search). `function` ending in
 * "*" is a name prefix: a key range over the (function_name, id) index, since names use only a-z,
 * 0-9 and '-' (all below '~'). Ids begin with their creation time, so since/until are id ranges.
 */
function runsWhere(q: RunsQuery, o: { jobsOnly?: boolean }): (SQL | undefined)[] {
  const where: (SQL | undefined)[] = o.jobsOnly ? [isJobRun] : [];
  if (q.function?.endsWith("*")) {
    const prefix = q.function.slice(0, -1);
    where.push(gte(runs.functionName, prefix), lt(runs.functionName, `${prefix}~`));
  } else if (q.function) where.push(eq(runs.functionName, q.function));
  if (q.status) where.push(eq(runs.status, q.status));
  if (q.trigger) where.push(eq(runs.trigger, q.trigger));
  if (q.schedule) {
    // Its runs' keys start `sched:<id>:` (';' follows ':'): a key range, not a LIKE.
    const prefix = scheduleRunKey(q.schedule, "");
    where.push(gte(runs.idempotencyKey, prefix), lt(runs.idempotencyKey, `${prefix.slice(0, -1)};`));
  }
  if (q.since) where.push(gte(runs.id, idTimePrefix("run", Date.parse(q.since))));
  if (q.until) where.push(lt(runs.id, idTimePrefix("run", Date.parse(q.until) + 1)));
  if (q.q && RUN_ID_PREFIX.test(q.q)) where.push(gte(runs.id, q.q), lt(runs.id, `${q.q}~`));
  else if (q.q && ftsQuery(q.q) === null) where.push(sql`0`);
  return where;
}

/** The FTS5 query of a text search (`q` that is neither empty of words nor a run id), else null. */
function textSearch(q: RunsQuery): string | null {
  return q.q && !RUN_ID_PREFIX.test(q.q) ? ftsQuery(q.q) : null;
}

/**
 * A text search, driven by the runs_fts index newest row first (its rowid is the run's), so a
 * page stops after `limit` matches however many runs match; the other filters apply to each
 * match. Ordered by when the run was stored, which differs from id order only for runs stored
 * out of order (a long tool run is stored when it ends).
 */
function searchRuns(db: Db, match: string, where: (SQL | undefined)[], cursor: string | undefined, limit: number): Promise<RunRow[]> {
  const after = cursor === undefined ? undefined : sql`runs_fts.rowid < coalesce((select rowid from runs where id = ${cursor}), 0)`;
  return db
    .select(getTableColumns(runs))
    .from(sql`runs_fts`)
    .innerJoin(runs, sql`${runs}.rowid = runs_fts.rowid`)
    .where(and(sql`runs_fts match ${match}`, after, ...where))
    .orderBy(sql`runs_fts.rowid desc`)
    .limit(limit)
    .all();
}

/** Up to this many function names are read name by name (each in index order) and merged. */
const MERGE_NAMES = 25;

/**
 * The function names a list is limited to (a prefix, an exact name, the principal's functions),
 * or null for all. Names of a prefix come from the functions table (runs of a deleted function
 * are not found by prefix).
 */
async function namesOf(db: Db, q: RunsQuery, allowed: readonly string[] | null): Promise<string[] | null> {
  let names: string[] | null = null;
  if (q.function?.endsWith("*")) {
    const prefix = q.function.slice(0, -1);
    const rows = await db
      .select({ name: functions.name })
      .from(functions)
      .where(and(gte(functions.name, prefix), lt(functions.name, `${prefix}~`)))
      .all();
    names = rows.map((r) => r.name);
  } else if (q.function) names = [q.function];
  if (allowed) names = names ? names.filter((n) => allowed.includes(n)) : [...allowed];
  return names;
}

/**
 * The newest runs for each of several values of an indexed column (function names, statuses):
 * one read per value through its (column, id) index, in one batch, merged. An IN list over that
 * index would make SQLite sort every matching run.
 */
async function newestOfEach(
  db: Db,
  column: typeof runs.functionName | typeof runs.status,
  values: readonly string[],
  where: (SQL | undefined)[],
  limit: number,
): Promise<RunRow[]> {
  const [first, ...rest] = values.map((value) =>
    db
      .select()
      .from(runs)
      .where(and(eq(column, value), ...where))
      .orderBy(desc(runs.id))
      .limit(limit),
  );
  if (!first) return [];
  const pages = await db.batch([first, ...rest]);
  return pages
    .flat()
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .slice(0, limit);
}

/** Newest first; `cursor` is the id of the last run of the previous page (ids sort by time). */
export async function listRuns(
  db: Db,
  q: RunsQuery,
  allowedFunctions: readonly string[] | null,
  o: { jobsOnly?: boolean } = {},
): Promise<RunRow[]> {
  const match = textSearch(q);
  if (match !== null) {
    const where = runsWhere(q, o);
    if (allowedFunctions) where.push(inArray(runs.functionName, [...allowedFunctions]));
    return searchRuns(db, match, where, q.cursor, q.limit);
  }
  const names = await namesOf(db, q, allowedFunctions);
  const where = runsWhere({ ...q, function: undefined }, o);
  if (q.cursor) where.push(lt(runs.id, q.cursor));
  if (names === null) return newestRuns(db, where, null, q.limit);
  if (names.length <= MERGE_NAMES) return newestOfEach(db, runs.functionName, names, where, q.limit);
  return newestRuns(db, where, names, q.limit);
}

/** Counting stops here: one request reads at most this many rows, however broad its filter. */
export const RUN_COUNT_CAP = 10_000;

/**
 * How many runs match the query (cursor, limit and status aside), per status, over the newest
 * RUN_COUNT_CAP matches at most (of each function, when the query names several); `capped` says
 * the counts stopped there.
 */
export async function countRunsByStatus(
  db: Db,
  q: RunsQuery,
  allowedFunctions: readonly string[] | null,
): Promise<{ counts: Record<string, number>; capped: boolean }> {
  const match = textSearch(q);
  const names = match === null ? await namesOf(db, q, allowedFunctions) : null;
  const where = runsWhere({ ...q, status: undefined, function: names ? undefined : q.function }, {});
  if (allowedFunctions && names === null) where.push(inArray(runs.functionName, [...allowedFunctions]));
  // A text search counts among the newest RUN_COUNT_CAP runs of the text index.
  if (match !== null)
    where.push(sql`${runs}.rowid in (select rowid from runs_fts where runs_fts match ${match} order by rowid desc limit ${RUN_COUNT_CAP})`);
  const perName = names && names.length <= MERGE_NAMES ? names.map((n) => [...where, eq(runs.functionName, n)]) : null;
  const groups = perName ?? [names ? [...where, inArray(runs.functionName, names)] : where];
  const [first, ...rest] = groups.map((conditions) => statusCounts(db, conditions));
  if (!first) return { counts: {}, capped: false };
  const results = await db.batch([first, ...rest]);
  const counts: Record<string, number> = {};
  let capped = false;
  for (const rows of results) {
    const total = rows.reduce((n, r) => n + r.n, 0);
    capped ||= total >= RUN_COUNT_CAP;
    for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + r.n;
  }
  return { counts, capped };
}

/** Runs per status among the newest RUN_COUNT_CAP runs matching the conditions. */
function statusCounts(db: Db, where: (SQL | undefined)[]) {
  const matching = db
    .select({ status: runs.status })
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.id))
    .limit(RUN_COUNT_CAP)
    .as("matching");
  return db.select({ status: matching.status, n: sql<number>`count(*)` }).from(matching).groupBy(matching.status);
}

/**
 * Inserts a queued run. With an idempotency key, an existing run with that key wins: the
 * returned row is then the earlier run (`created: false`).
 */
export async function insertQueuedRun(db: Db, run: RunRecord): Promise<{ row: RunRow; created: boolean }> {
  const inserted = await db
    .insert(runs)
    .values(runRow(run))
    // No target: the only conflict a new run id can meet is runs_fn_idempotency, a partial index
    // (schema.ts) that a target would have to name with its WHERE, which drizzle cannot render.
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return { row: inserted[0], created: true };
  const existing = await db
    .select()
    .from(runs)
    .where(and(eq(runs.functionId, run.functionId), eq(runs.idempotencyKey, run.idempotencyKey ?? "")))
    .get();
  if (!existing) throw new Error("idempotent insert found neither a new nor an existing run");
  return { row: existing, created: false };
}

export async function findByIdempotencyKey(db: Db, functionId: string, key: string): Promise<RunRow | undefined> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.functionId, functionId), eq(runs.idempotencyKey, key)))
    .get();
}

export async function deleteRun(db: Db, id: string): Promise<void> {
  await db.delete(runs).where(eq(runs.id, id));
}

/** Moves a run that has not ended to a new status (an end counts in the rollups); returns whether it changed. */
export async function setRunStatus(
  db: Db,
  id: string,
  patch: { status: RunStatus; startedAt?: number; endedAt?: number; error?: RunError | null },
): Promise<boolean> {
  const set: Partial<typeof runs.$inferInsert> = {
    status: patch.status,
    ...(patch.startedAt !== undefined ? { startedAt: patch.startedAt } : {}),
    ...(patch.endedAt !== undefined ? { endedAt: patch.endedAt } : {}),
    ...(patch.error !== undefined ? errorColumns(patch.error) : {}),
  };
  const update = db
    .update(runs)
    .set(set)
    .where(and(eq(runs.id, id), sql`${runs.status} not in ${TERMINAL_STATUSES}`))
    .returning({ id: runs.id });
  if (!countsStatus(patch.status)) return (await update).length > 0;
  const [, changed] = await db.batch([rollupOnEnd(db, id, patch.status, patch.endedAt ?? Date.now()), update]);
  return changed.length > 0;
}

/**
 * The row of a durable run that has started: running, with its first start time kept on a replay.
 * A run that ended (cancelled meanwhile) or waits is left as it is.
 */
export async function markRunStarted(db: Db, id: string, startedAt: number): Promise<void> {
  await db
    .update(runs)
    .set({ status: "running", startedAt: sql`coalesce(${runs.startedAt}, ${startedAt})` })
    .where(and(eq(runs.id, id), eq(runs.status, "queued")));
}

/**
 * Ends a durable run: its final status and output, and its whole trace (replacing any partial
 * one, so a retried finish writes the same rows). A run that already ended (cancelled) keeps its status.
 */
export async function finishDurableRun(
  db: Db,
  run: { id: string; functionName: string },
  result: { status: RunStatus; output: string | null; error: RunError | null; startedAt: number; endedAt: number },
  trace: Trace,
): Promise<void> {
  const update = db
    .update(runs)
    .set({
      status: result.status,
      output: result.output,
      ...errorColumns(result.error),
      // Set here too: the start's own write is not retried (run.workflow.ts).
      startedAt: sql`coalesce(${runs.startedAt}, ${result.startedAt})`,
      endedAt: result.endedAt,
    })
    .where(and(eq(runs.id, run.id), sql`${runs.status} not in ${TERMINAL_STATUSES}`));
  await db.$client.batch([
    statementOf(db, rollupOnEnd(db, run.id, result.status, result.endedAt)),
    statementOf(db, update),
    ...replaceTrace(db, run, trace),
  ]);
}

/** Statements that replace a run's stored trace (idempotent when repeated). */
function replaceTrace(db: Db, run: { id: string; functionName: string }, trace: Trace): D1PreparedStatement[] {
  return [
    statementOf(db, db.delete(runSteps).where(eq(runSteps.runId, run.id))),
    statementOf(db, db.delete(runSpans).where(eq(runSpans.runId, run.id))),
    statementOf(db, db.delete(runLogs).where(eq(runLogs.runId, run.id))),
    ...traceStatements(db, run.id, run.functionName, trace),
  ];
}

/** Stores what a durable run recorded so far, for a run ended from outside its Workflow. */
export async function saveTrace(db: Db, run: { id: string; functionName: string }, trace: Trace): Promise<void> {
  await db.$client.batch(replaceTrace(db, run, trace));
}

/** Failed or timed-out job runs that have not been replayed: the dead-letter list (read per status, in id order). */
export async function listDeadLetter(db: Db, limit: number, allowedFunctions: readonly string[] | null): Promise<RunRow[]> {
  const where: (SQL | undefined)[] = [
    isJobRun,
    sql`not exists (select 1 from runs child where child.parent_run_id = ${runs.id} and child.trigger = 'replay')`,
    allowedFunctions ? inArray(runs.functionName, [...allowedFunctions]) : undefined,
  ];
  return newestOfEach(db, runs.status, ["failed", "timed_out"], where, limit);
}

/** Durable runs still live past their version's jobTimeoutMs. */
export async function listOverdueJobs(db: Db, now: number, limit = 100): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(
      and(
        inArray(runs.status, ["running", "waiting"]),
        isJobRun,
        sql`${runs.startedAt} + (select json_extract(v.manifest, '$.jobTimeoutMs') from function_versions v where v.id = ${runs.versionId}) < ${now}`,
      ),
    )
    .limit(limit)
    .all();
}

/** Job runs that have not ended, oldest first: of one function, or those started before a time. */
export async function listLiveJobs(db: Db, o: { functionName?: string; startedBefore?: number; limit: number }): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(
      and(
        inArray(runs.status, [...LIVE_STATUSES]),
        isJobRun,
        o.functionName === undefined ? undefined : eq(runs.functionName, o.functionName),
        o.startedBefore === undefined ? undefined : lt(runs.startedAt, o.startedBefore),
      ),
    )
    .orderBy(runs.createdAt)
    .limit(o.limit)
    .all();
}

/** The status of each of these runs that exists (for finding concurrency slots held by ended runs). */
export async function runStatuses(db: Db, ids: string[]): Promise<Map<string, RunStatus>> {
  const out = new Map<string, RunStatus>();
  for (const part of chunks(ids, 1)) {
    const rows = await db.select({ id: runs.id, status: runs.status }).from(runs).where(inArray(runs.id, part)).all();
    for (const r of rows) out.set(r.id, r.status as RunStatus);
  }
  return out;
}

/** The runs a run started with ctx.invoke (not its replays), oldest first. */
export async function listChildren(db: Db, parentRunId: string, limit = 200): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.parentRunId, parentRunId), sql`${runs.trigger} != 'replay'`))
    .orderBy(runs.id)
    .limit(limit)
    .all();
}

/** Child jobs of a run that have not ended (for cancel propagation). */
export async function listLiveChildJobs(db: Db, parentRunId: string): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.parentRunId, parentRunId), eq(runs.trigger, "invoke"), inArray(runs.status, [...LIVE_STATUSES])))
    .all();
}

/** How many runs a tree holds (through the runs_root index). */
export async function countTreeRuns(db: Db, rootRunId: string): Promise<number> {
  const row = await db.select({ n: sql<number>`count(*)` }).from(runs).where(eq(runs.rootRunId, rootRunId)).get();
  return row?.n ?? 0;
}

/** The functions the root's credential allows, as stored (null: all). */
export function allowedFunctionsOf(run: Pick<RunRow, "allowedFunctions">): string[] | null {
  if (run.allowedFunctions === null) return null;
  const parsed: unknown = JSON.parse(run.allowedFunctions);
  return Array.isArray(parsed) ? parsed.filter((f): f is string => typeof f === "string") : [];
}
