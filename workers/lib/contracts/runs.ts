/**
 * Runs and their trace (steps, outbound spans, logs): stored in D1, returned by /v1/runs.
 * Imports nothing but zod.
 */
import { z } from "zod";

export const RunTrigger = z.enum(["tool", "job", "schedule", "webhook", "replay", "manual"]);
export type RunTrigger = z.infer<typeof RunTrigger>;

export const RunStatus = z.enum(["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];

export const RunError = z.object({
  message: z.string(),
  name: z.string().optional(),
  step: z.string().nullable(),
  retryable: z.boolean(),
});
export type RunError = z.infer<typeof RunError>;

export const StepStatus = z.enum(["running", "succeeded", "failed", "sleeping", "waiting"]);
export type StepStatus = z.infer<typeof StepStatus>;

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
  parentRunId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type RunView = z.infer<typeof RunView>;

export const RunDetail = RunView.extend({
  steps: z.array(StepRecord),
  spans: z.array(SpanRecord),
  logs: z.array(LogRecord),
});
export type RunDetail = z.infer<typeof RunDetail>;
