// The rollups' pure arithmetic: duration buckets, percentiles estimated from them, window buckets.
import { describe, expect, it } from "vitest";
import {
  addSums,
  DURATION_BUCKETS,
  durationBucket,
  percentile,
  summarize,
  topNames,
  windowBuckets,
} from "../../workers/lib/domain/metrics";

const histogram = (entries: Record<number, number>) => Array.from({ length: DURATION_BUCKETS }, (_, i) => entries[i] ?? 0);

describe("duration buckets", () => {
  it("puts each duration in its log-scale bucket, longer than the last bound in the last", () => {
    expect([0, 0.5, 1, 1.9, 2, 3, 4, 1000, 1023, 1024].map(durationBucket)).toEqual([0, 0, 1, 1, 2, 2, 3, 10, 10, 11]);
    expect(durationBucket(15 * 60_000)).toBe(DURATION_BUCKETS - 1);
    expect(durationBucket(24 * 3600_000)).toBe(DURATION_BUCKETS - 1);
  });
});

describe("percentile", () => {
  it("is null with nothing counted, and interpolates inside the bucket holding the rank", () => {
    expect(percentile(histogram({}), 0.5)).toBeNull();
    // 90 runs in [8, 16), 10 in [512, 1024).
    const h = histogram({ 4: 90, 10: 10 });
    expect([0.5, 0.9, 0.95, 0.99, 1].map((q) => percentile(h, q))).toEqual([12, 16, 768, 973, 1024]);
  });

  it("stays within the bucket of the true value, and never decreases with q", () => {
    const durations = [3, 7, 7, 40, 41, 250, 900, 5_000, 70_000, 2_000_000];
    const h = histogram({});
    for (const d of durations) h[durationBucket(d)]! += 1;
    let last = 0;
    for (const q of [0.1, 0.3, 0.5, 0.7, 0.9, 1]) {
      const p = percentile(h, q)!;
      const truth = durations[Math.ceil(q * durations.length) - 1]!;
      expect(durationBucket(p) === durationBucket(truth) || p === 2 ** durationBucket(truth), `q=${q}: ${p} vs ${truth}`).toBe(true);
      expect(p).toBeGreaterThanOrEqual(last);
      last = p;
    }
  });
});

describe("summaries", () => {
  it("computes the error rate over judged runs (cancelled ones aside) and sums functions", () => {
    const a = { succeeded: 3, failed: 1, timedOut: 0, cancelled: 2, durations: histogram({ 1: 4 }) };
    const b = { succeeded: 0, failed: 0, timedOut: 0, cancelled: 1, durations: histogram({}) };
    expect(summarize(a)).toMatchObject({ runs: 6, errorRate: 0.25, p50Ms: 2 });
    expect(summarize(b)).toMatchObject({ runs: 1, errorRate: null, p50Ms: null });
    expect(summarize(addSums([a, b]))).toMatchObject({ runs: 7, cancelled: 3, errorRate: 0.25 });
  });

  it("ranks names by score, leaving out zeros", () => {
    const items = [
      { name: "b", n: 2 },
      { name: "a", n: 2 },
      { name: "c", n: 0 },
      { name: "d", n: 5 },
    ];
    expect(topNames(items, (i) => i.n)).toEqual(["d", "a", "b"]);
    expect(topNames(items, (i) => i.n, 1)).toEqual(["d"]);
  });
});

describe("window buckets", () => {
  it("covers each window with aligned buckets ending at the current one", () => {
    const now = Date.UTC(2026, 0, 1, 12, 7, 30);
    const minute = now / 60_000 - 0.5;
    const hour = windowBuckets("1h", now);
    expect(hour).toHaveLength(60);
    expect(hour.at(-1)).toBe(minute);
    const day = windowBuckets("24h", now);
    expect(day).toHaveLength(96);
    expect(day.at(-1)).toBe(minute - 7);
    expect(day.every((m) => m % 15 === 0)).toBe(true);
    const week = windowBuckets("7d", now);
    expect(week).toHaveLength(84);
    expect(week[1]! - week[0]!).toBe(120);
  });
});
