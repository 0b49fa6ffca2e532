/**
 * Log lines across runs for the logs explorer: a filtered page newest first, and the lines stored
 * after a given one (the live tail). Every query walks one index of run_logs (by time, by
 * function and time, by level and time, or the rowid for the tail), never the whole table.
 */
import { and, desc, eq, gt, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import { LOG_SEARCH_WINDOW, type LogsFilter, type LogsQuery } from "../../contracts/logs";
import type { Db } from "./functions.repo";
import { runLogs } from "./schema";

/** SQLite's implicit row id: increases as lines are stored, so it orders the tail. */
const rowid = sql<number>`${runLogs}.rowid`;

const columns = {
  id: sql<number>`${runLogs}.rowid`.as("id"),
  runId: runLogs.runId,
  functionName: runLogs.functionName,
  step: runLogs.step,
  level: runLogs.level,
  message: runLogs.message,
  data: runLogs.data,
  at: runLogs.at,
};

export type LogLineRow = {
  id: number;
  runId: string;
  functionName: string | null;
  step: string | null;
  level: string;
  message: string;
  data: string | null;
  at: number;
};

/** The conditions of the filter except `q`, limited to the functions the caller may see (null: all). */
function logsWhere(f: LogsFilter, allowedFunctions: readonly string[] | null): (SQL | undefined)[] {
  const where: (SQL | undefined)[] = [];
  if (f.function?.endsWith("*")) {
    // Names use only a-z, 0-9 and '-' (all below '~'): a key range over run_logs_fn_at.
    const prefix = f.function.slice(0, -1);
    where.push(gte(runLogs.functionName, prefix), lt(runLogs.functionName, `${prefix}~`));
  } else if (f.function) where.push(eq(runLogs.functionName, f.function));
  if (f.level) where.push(eq(runLogs.level, f.level));
  if (f.since) where.push(gte(runLogs.at, Date.parse(f.since)));
  if (f.until) where.push(lte(runLogs.at, Date.parse(f.until)));
  if (allowedFunctions) where.push(inArray(runLogs.functionName, [...allowedFunctions]));
  return where;
}

function contains(q: string): SQL {
  const pattern = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return sql`message like ${pattern} escape '\\'`;
}

/**
 * A page of lines, newest first (by the time the function reported, then id). With `q`, the text
 * is looked for in the newest LOG_SEARCH_WINDOW lines that match the other filters (after the
 * cursor): a broad search costs a bounded read, and `nextCursor` then continues past that window.
 */
export async function listLogLines(
  db: Db,
  q: LogsQuery,
  allowedFunctions: readonly string[] | null,
): Promise<{ rows: LogLineRow[]; nextCursor: string | null }> {
  const where = logsWhere(q, allowedFunctions);
  if (q.cursor) {
    const [at, id] = q.cursor.split(":").map(Number) as [number, number];
    where.push(sql`(${runLogs.at}, ${rowid}) < (${at}, ${id})`);
  }
  const cursorOf = (r: { at: number; id: number }) => `${r.at}:${r.id}`;
  if (!q.q) {
    const rows = await db
      .select(columns)
      .from(runLogs)
      .where(and(...where))
      .orderBy(desc(runLogs.at), desc(rowid))
      .limit(q.limit)
      .all();
    const last = rows.at(-1);
    return { rows, nextCursor: rows.length === q.limit && last ? cursorOf(last) : null };
  }
  const recent = db
    .select(columns)
    .from(runLogs)
    .where(and(...where))
    .orderBy(desc(runLogs.at), desc(rowid))
    .limit(LOG_SEARCH_WINDOW)
    .as("recent");
  const [rows, [edge]] = await db.batch([
    db.select().from(recent).where(contains(q.q)).orderBy(desc(recent.at), desc(sql`id`)).limit(q.limit),
    // The window's last line: where the next search starts when this one found fewer than a page.
    db.select({ at: recent.at, id: recent.id, n: sql<number>`count(*) over ()` }).from(recent).orderBy(recent.at, sql`id`).limit(1),
  ]);
  const last = rows.at(-1);
  if (rows.length === q.limit && last) return { rows, nextCursor: cursorOf(last) };
  return { rows, nextCursor: edge && edge.n >= LOG_SEARCH_WINDOW ? cursorOf(edge) : null };
}

/** The id of the newest stored line (0 when none): where a live tail starts. */
export async function newestLogId(db: Db): Promise<number> {
  const row = await db.select({ id: sql<number>`coalesce(max(rowid), 0)` }).from(runLogs).get();
  return row?.id ?? 0;
}

/**
 * Lines stored after `afterId` that match the filter, oldest first, and the id a next poll starts
 * after: the last line examined, so lines the filter skips are never read twice.
 */
export async function logLinesAfter(
  db: Db,
  f: LogsFilter,
  allowedFunctions: readonly string[] | null,
  afterId: number,
  limit: number,
): Promise<{ rows: LogLineRow[]; next: number }> {
  const where = [...logsWhere(f, allowedFunctions), gt(rowid, afterId)];
  if (f.q) where.push(contains(f.q));
  const [[newest], rows] = await db.batch([
    db.select({ id: sql<number>`coalesce(max(rowid), 0)` }).from(runLogs),
    db
      .select(columns)
      .from(runLogs)
      .where(and(...where))
      .orderBy(rowid)
      .limit(limit),
  ]);
  const full = rows.length === limit;
  return { rows, next: full ? (rows.at(-1)?.id ?? afterId) : Math.max(afterId, newest?.id ?? 0) };
}
