/**
 * GET /v1/metrics: runs over a window (1 h, 24 h, 7 d) from the per-minute rollups — counts by
 * status over time, error rate, estimated duration percentiles per function, jobs waiting and
 * dead letters now. Imports nothing but zod and sibling contracts.
 */
import { z } from "zod";
import { FunctionName } from "./functions";

export const MetricsWindow = z.enum(["1h", "24h", "7d"]);
export type MetricsWindow = z.infer<typeof MetricsWindow>;

export const MetricsQuery = z.strictObject({
  window: MetricsWindow.default("24h"),
  /** Only this function's runs. */
  function: FunctionName.optional(),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

const StatusCounts = {
  succeeded: z.number().int(),
  failed: z.number().int(),
  timedOut: z.number().int(),
  cancelled: z.number().int(),
};

/** Runs that ended in one time bucket (the bucket starts at `at`). */
export const MetricsPoint = z.object({ at: z.string(), ...StatusCounts });
export type MetricsPoint = z.infer<typeof MetricsPoint>;

/**
 * One function's runs in the window. `errorRate`: (failed + timed out) / (succeeded + failed +
 * timed out), null with no such run (cancelled runs count in neither). Durations (start to end,
 * runs that started) are estimates from log-scale buckets: within a factor of two, null with none.
 */
export const FunctionMetrics = z.object({
  name: z.string(),
  runs: z.number().int(),
  ...StatusCounts,
  errorRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});
export type FunctionMetrics = z.infer<typeof FunctionMetrics>;

export const MetricsView = z.object({
  window: MetricsWindow,
  /** The window: from the start of its first bucket to now. */
  from: z.string(),
  to: z.string(),
  stepMinutes: z.number().int(),
  /** Every bucket of the window, oldest first, empty ones too. */
  series: z.array(MetricsPoint),
  totals: FunctionMetrics.omit({ name: true }),
  /** Every function with runs in the window, most runs first. */
  functions: z.array(FunctionMetrics),
  /** Names of the (up to 5) functions with the most runs, and with the most failed or timed-out runs. */
  busiest: z.array(z.string()),
  mostFailing: z.array(z.string()),
  /**
   * Now, counted up to `countCap` each: jobs waiting (for an event or for a sleep to end: the runs
   * table does not tell them apart), and dead letters (failed jobs not replayed).
   */
  waitingJobs: z.number().int(),
  deadLetters: z.number().int(),
  countCap: z.number().int(),
});
export type MetricsView = z.infer<typeof MetricsView>;
