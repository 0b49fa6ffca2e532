/**
 * Pure arithmetic of the run rollups: the fixed log-scale duration buckets, which bucket a duration
 * falls in, percentiles estimated from a bucket histogram, and the time buckets of each window.
 * Imports nothing.
 */

/**
 * Upper bounds (exclusive, ms) of every bucket but the last: 1 ms, 2 ms, 4 ms … 2^19 ms (about
 * 8.7 min). The last bucket holds everything longer. Doubling bounds keep any estimate within a
 * factor of two of the truth, with one column per bucket (21 in all).
 */
export const DURATION_BOUNDS_MS: readonly number[] = Array.from({ length: 20 }, (_, i) => 2 ** i);
export const DURATION_BUCKETS = DURATION_BOUNDS_MS.length + 1;

/** The bucket a duration (ms, ≥ 0) falls in. */
export function durationBucket(ms: number): number {
  for (let i = 0; i < DURATION_BOUNDS_MS.length; i++) if (ms < (DURATION_BOUNDS_MS[i] as number)) return i;
  return DURATION_BOUNDS_MS.length;
}

/** The range [lo, hi) of a bucket; the last one has no upper bound, so its hi is twice its lo. */
export function bucketRange(i: number): [number, number] {
  const lo = i === 0 ? 0 : (DURATION_BOUNDS_MS[i - 1] as number);
  const hi = DURATION_BOUNDS_MS[i] ?? lo * 2;
  return [lo, hi];
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations counted in `counts`, interpolated linearly inside
 * the bucket that holds it; null when nothing was counted. An estimate: exact to the bucket.
 */
export function percentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] as number;
    if (n > 0 && seen + n >= rank) {
      const [lo, hi] = bucketRange(i);
      return Math.round(lo + ((rank - seen) / n) * (hi - lo));
    }
    seen += n;
  }
  return bucketRange(counts.length - 1)[1];
}

export type MetricsWindow = "1h" | "24h" | "7d";

/** Each window's length and its chart's bucket, in minutes (the rollups' unit). */
export const WINDOWS: Record<MetricsWindow, { minutes: number; stepMinutes: number }> = {
  "1h": { minutes: 60, stepMinutes: 1 },
  "24h": { minutes: 24 * 60, stepMinutes: 15 },
  "7d": { minutes: 7 * 24 * 60, stepMinutes: 120 },
};

/** Epoch minute of a time in ms. */
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

/**
 * The time buckets of a window ending now, as epoch minutes aligned to the step (oldest first),
 * so that every bucket, empty ones too, has a point on the chart.
 */
export function windowBuckets(window: MetricsWindow, now: number): number[] {
  const { minutes, stepMinutes } = WINDOWS[window];
  const last = Math.floor(minuteOf(now) / stepMinutes) * stepMinutes;
  const count = Math.ceil(minutes / stepMinutes);
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * stepMinutes);
}

/** Summed rollup counts: by status, and the duration histogram (one count per bucket). */
export interface RollupSums {
  succeeded: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  durations: number[];
}

/** The numbers shown for a set of runs: counts, error rate and percentile estimates. */
export function summarize(s: RollupSums) {
  const judged = s.succeeded + s.failed + s.timedOut;
  return {
    runs: judged + s.cancelled,
    succeeded: s.succeeded,
    failed: s.failed,
    timedOut: s.timedOut,
    cancelled: s.cancelled,
    errorRate: judged === 0 ? null : (s.failed + s.timedOut) / judged,
    p50Ms: percentile(s.durations, 0.5),
    p95Ms: percentile(s.durations, 0.95),
    p99Ms: percentile(s.durations, 0.99),
  };
}

/** Adds rollup sums (for the totals of every function). */
export function addSums(all: readonly RollupSums[]): RollupSums {
  const zero: RollupSums = { succeeded: 0, failed: 0, timedOut: 0, cancelled: 0, durations: Array(DURATION_BUCKETS).fill(0) };
  return all.reduce(
    (a, b) => ({
      succeeded: a.succeeded + b.succeeded,
      failed: a.failed + b.failed,
      timedOut: a.timedOut + b.timedOut,
      cancelled: a.cancelled + b.cancelled,
      durations: a.durations.map((n, i) => n + (b.durations[i] ?? 0)),
    }),
    zero,
  );
}

/** Up to `n` names, highest `score` first (ties by name), leaving out those scoring 0. */
export function topNames<T extends { name: string }>(items: readonly T[], score: (t: T) => number, n = 5): string[] {
  return items
    .filter((t) => score(t) > 0)
    .sort((a, b) => score(b) - score(a) || a.name.localeCompare(b.name))
    .slice(0, n)
    .map((t) => t.name);
}
