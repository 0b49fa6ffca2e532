/**
 * The reads behind GET /v1/metrics: rollup sums over a window (per time bucket, per function),
 * through the rollups' minute index or primary key, never the runs; and the two counts of "now"
 * (jobs waiting, dead letters), capped. Imports contracts, domain and drizzle.
 */
import { sql } from "drizzle-orm";
import { DURATION_BUCKETS, type RollupSums } from "../../domain/metrics";
import type { Db } from "./functions.repo";
import { listDeadLetter } from "./runs.repo";

const STATUS_SUMS = "sum(succeeded) as succeeded, sum(failed) as failed, sum(timed_out) as timedOut, sum(cancelled) as cancelled";
const DURATION_SUMS = Array.from({ length: DURATION_BUCKETS }, (_, i) => `sum(d${i}) as d${i}`).join(", ");

/** The window's filter: from a minute on, and only these functions (null: all of them). */
export interface RollupFilter {
  fromMinute: number;
  functions: readonly string[] | null;
}

function where(f: RollupFilter) {
  const names =
    f.functions === null
      ? sql``
      : sql` and function_name in (${sql.join(
          f.functions.map((n) => sql`${n}`),
          sql`, `,
        )})`;
  return sql`where minute >= ${f.fromMinute}${names}`;
}

type Row = Record<string, number | string | null>;
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function sums(row: Row): RollupSums {
  return {
    succeeded: num(row.succeeded),
    failed: num(row.failed),
    timedOut: num(row.timedOut),
    cancelled: num(row.cancelled),
    durations: Array.from({ length: DURATION_BUCKETS }, (_, i) => num(row[`d${i}`])),
  };
}

/** The statements, exported so a test can ask D1 for their query plans. */
export function rollupQueries(f: RollupFilter, stepMinutes: number) {
  // Without a function filter SQLite would rather scan the whole primary key (it yields rows in
  // function order, saving a sort): the window's minutes are far fewer than 8 days of rows.
  const from = sql.raw(f.functions === null ? "run_rollups indexed by run_rollups_minute" : "run_rollups");
  // Inlined, not bound: D1 binds a JS number as a real, and minute / 15.0 would not round down.
  const step = sql.raw(String(Math.trunc(stepMinutes)));
  return {
    series: sql`select (minute / ${step}) * ${step} as bucket, ${sql.raw(STATUS_SUMS)} from ${from} ${where(f)} group by bucket`,
    perFunction: sql`select function_name as name, ${sql.raw(`${STATUS_SUMS}, ${DURATION_SUMS}`)} from ${from} ${where(f)} group by function_name`,
  };
}

/** Rollup sums per time bucket (keyed by the bucket's first minute) and per function. */
export async function readRollups(db: Db, f: RollupFilter, stepMinutes: number) {
  if (f.functions?.length === 0) return { series: new Map<number, RollupSums>(), perFunction: [] };
  const q = rollupQueries(f, stepMinutes);
  const [series, perFunction] = await Promise.all([db.all<Row>(q.series), db.all<Row>(q.perFunction)]);
  return {
    series: new Map(series.map((r) => [num(r.bucket), sums(r)])),
    perFunction: perFunction.map((r) => ({ name: String(r.name), ...sums(r) })),
  };
}

/** Jobs waiting now (for an event or a sleep), counted up to `cap` (through the runs' status index). */
export async function countWaitingJobs(db: Db, functions: readonly string[] | null, cap: number): Promise<number> {
  if (functions?.length === 0) return 0;
  const names =
    functions === null
      ? sql``
      : sql` and function_name in (${sql.join(
          functions.map((n) => sql`${n}`),
          sql`, `,
        )})`;
  const row = await db.get<{ n: number }>(
    sql`select count(*) as n from (select 1 from runs where status = 'waiting'${names} limit ${cap})`,
  );
  return row?.n ?? 0;
}

/** Dead letters now, counted up to `cap` (the dead-letter list's own query). */
export async function countDeadLetters(db: Db, functions: readonly string[] | null, cap: number): Promise<number> {
  if (functions?.length === 0) return 0;
  return (await listDeadLetter(db, cap, functions)).length;
}
