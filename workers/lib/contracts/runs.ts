/**
 * Runs and their trace (steps, outbound spans, logs): stored in D1, returned by /v1/runs.
 * Imports nothing but zod.
 */
import { z } from "zod";

/**
 * `mcp`: a tool call over MCP (synchronous, like `tool`); `mcp-task`: a job started as an MCP task;
 * `invoke`: a child job started by another job's ctx.invoke (a tool run called by another run keeps `tool`).
 */
export const RunTrigger = z.enum(["tool", "job", "schedule", "webhook", "replay", "manual", "mcp", "mcp-task", "invoke"]);
export type RunTrigger = z.infer<typeof RunTrigger>;

/** Runs that ran inside the request that asked for them: every other trigger makes a job. */
export const SYNC_TRIGGERS: readonly RunTrigger[] = ["tool", "mcp"];
export const isJobTrigger = (trigger: string): boolean => !SYNC_TRIGGERS.includes(trigger as RunTrigger);

export const RunStatus = z.enum(["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];
/** A run not yet ended (only jobs are ever stored in one of these). */
export const LIVE_STATUSES: readonly RunStatus[] = RunStatus.options.filter((s) => !TERMINAL_STATUSES.includes(s));

export const RunError = z.object({
  message: z.string(),
  name: z.string().optional(),
  step: z.string().nullable(),
  retryable: z.boolean(),
});
export type RunError = z.infer<typeof RunError>;

/** `cancelled`: the job was cancelled, timed out or deleted while in this step. */
export const StepStatus = z.enum(["running", "succeeded", "failed", "sleeping", "waiting", "cancelled"]);
export type StepStatus = z.infer<typeof StepStatus>;

/** A step attempt as recorded and stored (epoch-millisecond times); the API shows it as StepView. */
export const StepRecord = z.object({
  name: z.string(),
  kind: z.enum(["step", "sleep", "wait"]),
  status: StepStatus,
  attempt: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.string().nullable(),
  output: z.string().nullable(),
});
export type StepRecord = z.infer<typeof StepRecord>;

/** An outbound call as recorded and stored; the API shows it as SpanView. */
export const SpanRecord = z.object({
  step: z.string().nullable(),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  status: z.number().int(),
  startedAt: z.number(),
  durationMs: z.number(),
  error: z.string().nullable(),
});
export type SpanRecord = z.infer<typeof SpanRecord>;

export const LogLevel = z.enum(["debug", "info", "warn", "error"]);
export type LogLevel = z.infer<typeof LogLevel>;

/** A log line as recorded and stored (`data` as JSON text); the API shows it as LogView. */
export const LogRecord = z.object({
  level: LogLevel,
  message: z.string(),
  data: z.string().nullable(),
  step: z.string().nullable(),
  at: z.number(),
});
export type LogRecord = z.infer<typeof LogRecord>;

/** What one invocation in an isolate reports back: the outcome plus its trace. */
export const Trace = z.object({
  steps: z.array(StepRecord),
  spans: z.array(SpanRecord),
  logs: z.array(LogRecord),
});
export type Trace = z.infer<typeof Trace>;

/** A step attempt as the API shows it: ISO times, and its duration once it ended. */
export const StepView = StepRecord.extend({
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type StepView = z.infer<typeof StepView>;

export const SpanView = SpanRecord.extend({ startedAt: z.string() });
export type SpanView = z.infer<typeof SpanView>;

/**
 * A log line as the API shows it. `data` is the JSON value the function logged (null when none);
 * a value cut by the trace caps is `{ "truncated": true, "preview": "<the first characters>" }`.
 */
export const LogView = LogRecord.extend({ data: z.unknown(), at: z.string() });
export type LogView = z.infer<typeof LogView>;

export const RunsQuery = z.strictObject({
  /** A function's name, or a name prefix ending in "*" (`billing-*`). */
  function: z.string().max(63).optional(),
  status: RunStatus.optional(),
  trigger: RunTrigger.optional(),
  /** Runs a schedule started (its slots and run-now). */
  schedule: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, "must be a schedule id")
    .optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  q: z.string().max(200).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type RunsQuery = z.infer<typeof RunsQuery>;

export const RunView = z.object({
  id: z.string(),
  function: z.string(),
  versionId: z.string(),
  version: z.number(),
  trigger: RunTrigger,
  status: RunStatus,
  input: z.unknown(),
  output: z.unknown(),
  error: RunError.nullable(),
  attempt: z.number(),
  idempotencyKey: z.string().nullable(),
  /** The run this one replays (trigger replay), or the run whose ctx.invoke started it. */
  parentRunId: z.string().nullable(),
  /** The first run of its tree of ctx.invoke calls (its own id for a root). */
  rootRunId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type RunView = z.infer<typeof RunView>;

/** A run started by another run's ctx.invoke, as its parent's detail lists it. */
export const ChildRun = z.object({
  id: z.string(),
  function: z.string(),
  trigger: RunTrigger,
  status: RunStatus,
  error: RunError.nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type ChildRun = z.infer<typeof ChildRun>;

export const RunDetail = RunView.extend({
  steps: z.array(StepView),
  spans: z.array(SpanView),
  logs: z.array(LogView),
  /** The runs this run started with ctx.invoke (those the caller may see), oldest first. */
  children: z.array(ChildRun),
});
export type RunDetail = z.infer<typeof RunDetail>;
