/**
 * /v1/metrics: the overview's numbers over a window, from the run rollups (scope runs:read). A key
 * limited to some functions sees only theirs, like GET /v1/runs.
 */
import { Hono } from "hono";
import { MetricsQuery, type MetricsView } from "../../lib/contracts/metrics";
import { addSums, summarize, topNames, WINDOWS, windowBuckets } from "../../lib/domain/metrics";
import { countDeadLetters, countWaitingJobs, readRollups } from "../../lib/infra/db/metrics.repo";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readQuery } from "../validate";

const COUNT_CAP = 100;
const iso = (minute: number) => new Date(minute * 60_000).toISOString();

/** The functions to count: the one asked for and/or those the key may see (null: all). */
function visible(asked: string | undefined, allowed: readonly string[] | null): readonly string[] | null {
  if (asked === undefined) return allowed;
  return allowed === null || allowed.includes(asked) ? [asked] : [];
}

export const metricsRoutes = new Hono<AppEnv>().get("/", async (c) => {
  authorize(c, "runs:read");
  const query = readQuery(c, MetricsQuery);
  const db = c.get("db");
  const now = Date.now();
  const buckets = windowBuckets(query.window, now);
  const { stepMinutes } = WINDOWS[query.window];
  const functions = visible(query.function, c.get("principal").functions);
  const [rollups, waitingJobs, deadLetters] = await Promise.all([
    readRollups(db, { fromMinute: buckets[0] as number, functions }, stepMinutes),
    countWaitingJobs(db, functions, COUNT_CAP),
    countDeadLetters(db, functions, COUNT_CAP),
  ]);
  const perFunction = rollups.perFunction.map((f) => ({ name: f.name, ...summarize(f) })).sort((a, b) => b.runs - a.runs);
  const view: MetricsView = {
    window: query.window,
    from: iso(buckets[0] as number),
    to: new Date(now).toISOString(),
    stepMinutes,
    series: buckets.map((minute) => {
      const { durations: _, ...counts } = rollups.series.get(minute) ?? { succeeded: 0, failed: 0, timedOut: 0, cancelled: 0 };
      return { at: iso(minute), ...counts };
    }),
    totals: summarize(addSums(rollups.perFunction)),
    functions: perFunction,
    busiest: topNames(perFunction, (f) => f.runs),
    mostFailing: topNames(perFunction, (f) => f.failed + f.timedOut),
    waitingJobs,
    deadLetters,
    countCap: COUNT_CAP,
  };
  return c.json(view);
});
