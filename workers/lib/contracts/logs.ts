/**
 * The logs explorer: log lines across runs (GET /v1/logs) and their live tail (GET /v1/logs/stream).
 * Imports nothing but zod and sibling contracts.
 */
import { z } from "zod";
import { LogLevel } from "./runs";

/** Lines `q` is looked for in, at most, per request: a text search stays bounded however broad its filter. */
export const LOG_SEARCH_WINDOW = 5_000;

/** The filters both routes share. `function` is a name, or a name prefix ending in "*". */
export const LogsFilter = z.strictObject({
  function: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}\*?$/, "must be a function name, or a name prefix ending in '*'")
    .optional(),
  level: LogLevel.optional(),
  /** Text in the line's message (case-insensitive for ASCII). */
  q: z.string().min(1).max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type LogsFilter = z.infer<typeof LogsFilter>;

export const LogsQuery = LogsFilter.extend({
  cursor: z
    .string()
    .max(64)
    // `<at>:<id>`: a line's time (any number a function reported) and its id.
    .regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?:\d{1,16}$/, "must be a nextCursor from a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export type LogsQuery = z.infer<typeof LogsQuery>;

/** The live tail's query: the filters, and optionally the id of the last line seen (as Last-Event-ID, for clients that cannot set it). */
export const LogsStreamQuery = LogsFilter.extend({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "must be the id of a log line")
    .optional(),
});
export type LogsStreamQuery = z.infer<typeof LogsStreamQuery>;

/** One log line with the run that wrote it. `id` orders lines by when Kiln stored them (the stream's event id). */
export const LogLineView = z.object({
  id: z.string(),
  runId: z.string(),
  function: z.string().nullable(),
  step: z.string().nullable(),
  level: LogLevel,
  message: z.string(),
  /** The JSON value logged with the line (null when none); a value cut by the caps is `{ truncated: true, preview }`. */
  data: z.unknown(),
  at: z.string(),
});
export type LogLineView = z.infer<typeof LogLineView>;

/** Newest first. `nextCursor` is set while older lines may match (with `q`, also when the search window ended first). */
export const LogsPage = z.object({ items: z.array(LogLineView), nextCursor: z.string().nullable() });
export type LogsPage = z.infer<typeof LogsPage>;
