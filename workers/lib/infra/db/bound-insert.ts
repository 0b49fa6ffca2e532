/**
 * INSERTs for the run writers (a tool run's record, a durable run's trace), the busiest write
 * path, as D1 statements whose SQL text drizzle builds once per shape. Drizzle builds every query from scratch (~60 µs for one run row in Node,
 * more in workerd): profiled under load, the run writer's query building was 14 % of a tool
 * call's CPU. Here each row's values go through the columns' own driver mapping (with the column's
 * default for an absent value, as drizzle's insert does) and are bound to the cached text; the
 * first statement of each shape is built by drizzle too and must bind exactly the same values.
 */
import { getTableColumns, getTableName, is, SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./functions.repo";

type Row = Record<string, unknown>;
/** The drizzle statement of the same rows: built once per shape, for its SQL text. */
type Build = () => { toSQL(): { sql: string; params: unknown[] } };

const texts = new Map<string, string>();
const columnsOf = new WeakMap<SQLiteTable, [string, SQLiteColumn][]>();

/** One row's bound values in the table's column order; an absent value without a default is a literal null in the text. */
function rowValues(columns: [string, SQLiteColumn][], row: Row, shape: string[]): unknown[] {
  const values: unknown[] = [];
  let absent = "";
  for (const [key, column] of columns) {
    let value = row[key];
    if (value === undefined && column.default !== undefined) value = column.default;
    if (is(value, SQL) || is(column.default, SQL)) throw new TypeError(`${key}: a SQL value cannot be bound`);
    if (value === undefined) {
      absent += `${key},`;
      continue;
    }
    values.push(value === null ? null : column.mapToDriverValue(value));
  }
  shape.push(absent);
  return values;
}

/**
 * The rows as one INSERT statement. `build` makes the same statement with drizzle (with any
 * ON CONFLICT clause: `name` tells such variants of one table apart).
 */
export function boundInsert(db: Db, name: string, table: SQLiteTable, rows: readonly Row[], build: Build): D1PreparedStatement {
  let columns = columnsOf.get(table);
  if (!columns) {
    columns = Object.entries(getTableColumns(table)) as [string, SQLiteColumn][];
    columnsOf.set(table, columns);
  }
  const shape = [name, getTableName(table), String(rows.length)];
  const values = rows.flatMap((row) => rowValues(columns, row, shape));
  const key = shape.join("|");
  let text = texts.get(key);
  if (text === undefined) {
    const built = build().toSQL();
    const same = built.params.length === values.length && built.params.every((p, i) => Object.is(p, values[i]));
    if (!same) throw new Error(`boundInsert(${name}): the values differ from drizzle's for this shape`);
    text = built.sql;
    texts.set(key, text);
  }
  return db.$client.prepare(text).bind(...values);
}

/** Any drizzle statement as a D1 statement, for a batch that mixes it with bound inserts (built by drizzle each time). */
export function statementOf(db: Db, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return db.$client.prepare(sql).bind(...params);
}
