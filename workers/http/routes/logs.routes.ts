/**
 * /v1/logs: log lines across runs, filtered, newest first; /v1/logs/stream: the same filters as a
 * live tail (Server-Sent Events). A key limited to some functions sees only their lines.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { type LogLineView, LogsQuery, LogsStreamQuery } from "../../lib/contracts/logs";
import type { LogLevel } from "../../lib/contracts/runs";
import { isoOf, logDataValue } from "../../lib/domain/trace-view";
import { type LogLineRow, listLogLines, logLinesAfter, newestLogId } from "../../lib/infra/db/logs.repo";
import { AppError } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readQuery } from "../validate";

/** One D1 read per open stream every POLL_MS: 30 reads a minute each (see README "Logs explorer"). */
const POLL_MS = 2_000;
/** A comment line keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** The server ends a stream after this; EventSource reconnects with Last-Event-ID and misses nothing. */
export const STREAM_MAX_MS = 5 * 60_000;
/** Lines sent per poll at most; the rest follow on the next poll. */
const BATCH = 200;

const lineView = (r: LogLineRow): LogLineView => ({
  id: String(r.id),
  runId: r.runId,
  function: r.functionName,
  step: r.step,
  level: r.level as LogLevel,
  message: r.message,
  data: logDataValue(r.data),
  at: isoOf(r.at),
});

/** Where a tail resumes: the Last-Event-ID a reconnecting EventSource sends (or `after`), else the newest line now. */
async function resumeFrom(c: Context<AppEnv>, after: string | undefined): Promise<number> {
  const header = c.req.header("last-event-id") || after;
  if (header === undefined || header === "") return newestLogId(c.get("db"));
  if (!/^\d{1,15}$/.test(header)) throw new AppError("validation_failed", 400, "Last-Event-ID must be the id of a log line");
  return Number(header);
}

export const logsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "runs:read");
    const query = readQuery(c, LogsQuery);
    const { rows, nextCursor } = await listLogLines(c.get("db"), query, c.get("principal").functions);
    return c.json({ items: rows.map(lineView), nextCursor });
  })
  .get("/stream", async (c) => {
    authorize(c, "runs:read");
    const { after, ...filter } = readQuery(c, LogsStreamQuery);
    const start = await resumeFrom(c, after);
    const read = (afterId: number) => logLinesAfter(c.get("db"), filter, c.get("principal").functions, afterId, BATCH);
    return streamSSE(c, (stream) => follow(stream, read, start));
  });

/** Sends `ready`, then each new line as a `line` event, polling until the client leaves or STREAM_MAX_MS has passed. */
async function follow(stream: SSEStreamingApi, read: (afterId: number) => Promise<{ rows: LogLineRow[]; next: number }>, start: number) {
  const until = Date.now() + STREAM_MAX_MS;
  let last = start;
  let quietSince = Date.now();
  await stream.writeSSE({ event: "ready", data: JSON.stringify({ after: String(last) }), id: String(last) });
  while (!stream.aborted && Date.now() < until) {
    const { rows, next } = await read(last);
    for (const r of rows) await stream.writeSSE({ event: "line", data: JSON.stringify(lineView(r)), id: String(r.id) });
    last = next;
    if (rows.length > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= HEARTBEAT_MS) {
      await stream.write(": heartbeat\n\n");
      quietSince = Date.now();
    }
    if (rows.length < BATCH) await stream.sleep(POLL_MS);
  }
}
