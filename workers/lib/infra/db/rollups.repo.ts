/**
 * The run rollups (per function and minute: counts by final status, a duration histogram): the
 * upserts that count a run as it ends, the reads behind GET /v1/metrics, and the prune. Every
 * write adds to the row with `ON CONFLICT … DO UPDATE SET n = n + excluded.n`, never a
 * read-modify-write, so concurrent ends never lose a count. Imports contracts, domain and drizzle.
 */
import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { RunStatus } from "../../contracts/runs";
import { bucketRange, DURATION_BUCKETS, durationBucket, minuteOf } from "../../domain/metrics";
import { boundInsert } from "./bound-insert";
import type { Db } from "./functions.repo";
import { runRollups } from "./schema";

const STATUS_COLUMNS: Partial<Record<RunStatus, "succeeded" | "failed" | "timedOut" | "cancelled">> = {
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timedOut",
  cancelled: "cancelled",
};
const DURATION_KEYS = Array.from({ length: DURATION_BUCKETS }, (_, i) => `d${i}` as const);
const COUNT_KEYS = ["succeeded", "failed", "timedOut", "cancelled", ...DURATION_KEYS] as const;
type Counts = Record<(typeof COUNT_KEYS)[number], number>;
const TERMINAL_LIST = sql.raw(
  `(${Object.keys(STATUS_COLUMNS)
    .map((s) => `'${s}'`)
    .join(", ")})`,
);

/** Adds to the row of that function and minute (ON CONFLICT … DO UPDATE SET n = n + excluded.n). */
const ADD_ON_CONFLICT = {
  target: [runRollups.functionName, runRollups.minute],
  set: Object.fromEntries(
    COUNT_KEYS.map((k) => {
      // The d<i> columns are generated in schema.ts, so their keys are not literal types there.
      const column = (runRollups as unknown as Record<string, SQLiteColumn>)[k] as SQLiteColumn;
      return [k, sql`${column} + excluded.${sql.identifier(column.name)}`];
    }),
  ),
};

/** A final status counts in its column; any other status counts nowhere. */
export function countsStatus(status: RunStatus): boolean {
  return STATUS_COLUMNS[status] !== undefined;
}

const zero = (): Counts => Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Counts;

/** Adds one run to counts: 1 in its status column, 1 in its duration bucket (if it started). */
function addRun(counts: Counts, status: RunStatus, durationMs: number | null): void {
  counts[STATUS_COLUMNS[status] as keyof Counts] += 1;
  if (durationMs !== null) counts[`d${durationBucket(Math.max(0, durationMs))}` as keyof Counts] += 1;
}

export interface EndedRun {
  functionName: string;
  status: RunStatus;
  startedAt: number | null;
  endedAt: number | null;
}

/**
 * Upserts that count runs written already ended (the tool-call path's batched inserts), summed
 * per function and minute first so a busy batch adds one statement per row it touches.
 */
export function rollupStatements(db: Db, ended: readonly EndedRun[]): D1PreparedStatement[] {
  const rows = new Map<string, Counts & { functionName: string; minute: number }>();
  for (const r of ended) {
    if (!countsStatus(r.status) || r.endedAt === null) continue;
    const minute = minuteOf(r.endedAt);
    const key = `${r.functionName}\n${minute}`;
    const row = rows.get(key) ?? { functionName: r.functionName, minute, ...zero() };
    addRun(row, r.status, r.startedAt === null ? null : r.endedAt - r.startedAt);
    rows.set(key, row);
  }
  // One statement per row (not one multi-row insert): 27 parameters each stays under D1's 100.
  return [...rows.values()].map((row) =>
    boundInsert(db, "rollup upsert", runRollups, [row], () => db.insert(runRollups).values(row).onConflictDoUpdate(ADD_ON_CONFLICT)),
  );
}

/**
 * The upsert that counts a run ending now by an UPDATE of its row: it reads the row only while
 * the run has not ended yet, so put it BEFORE that update in the same batch (one transaction):
 * a run another path already ended, or a retried end, adds nothing.
 */
export function rollupOnEnd(db: Db, runId: string, status: RunStatus, endedAt: number) {
  const statuses = Object.keys(STATUS_COLUMNS).map((s) => sql.raw(s === status ? "1" : "0"));
  const buckets = Array.from({ length: DURATION_BUCKETS }, (_, i) => bucketTest(i));
  const select = sql.join([sql.raw("function_name"), sql`${minuteOf(endedAt)}`, ...statuses, ...buckets], sql`, `);
  // `where true`: SQLite would otherwise read the ON of ON CONFLICT as a join constraint.
  const source = sql`select ${select} from (select function_name, ${endedAt} - started_at as dur from runs where id = ${runId} and status not in ${TERMINAL_LIST}) where true`;
  return db.insert(runRollups).select(source).onConflictDoUpdate(ADD_ON_CONFLICT);
}

/** 1 when `dur` falls in bucket i, else 0 (also when the run never started: dur is null). */
function bucketTest(i: number): SQL {
  const [lo, hi] = bucketRange(i);
  if (i === 0) return sql.raw(`coalesce(dur < ${hi}, 0)`);
  if (i === DURATION_BUCKETS - 1) return sql.raw(`coalesce(dur >= ${lo}, 0)`);
  return sql.raw(`coalesce(dur >= ${lo} and dur < ${hi}, 0)`);
}

/** Deletes rollup rows of minutes before `beforeMinute`, at most `limit` of them; returns how many. */
export async function pruneRollups(db: Db, beforeMinute: number, limit: number): Promise<number> {
  const result = await db.run(
    sql`delete from run_rollups where rowid in (select rowid from run_rollups where minute < ${beforeMinute} limit ${limit})`,
  );
  return result.meta.changes ?? 0;
}
