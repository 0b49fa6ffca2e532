// GET /v1/metrics from the run rollups: every way a run ends counts once, in its status and its
// duration bucket; percentiles come from the buckets; the reads use the rollup indexes.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { boundInsert } from "../../workers/lib/infra/db/bound-insert";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { rollupQueries } from "../../workers/lib/infra/db/metrics.repo";
import { rollupStatements } from "../../workers/lib/infra/db/rollups.repo";
import { type RunRecord, saveFinishedRuns } from "../../workers/lib/infra/db/runs.repo";
import { runRollups } from "../../workers/lib/infra/db/schema";
import { pruneOldRollups, sweepOverdueJobs } from "../../workers/schedules/cron";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const TOOL = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ ok: z.boolean() }), run: (i) => { if (!i.ok) throw new Error("no"); return 1; } });`;
const WAITER = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ wait: z.boolean() }),
  async run(i, ctx) { if (i.wait) await ctx.waitForEvent("go", { type: "go" }); return 1; } });`;

/** A finished tool run of `fn` that took `ms`, ending a minute ago. */
function finished(fn: string, i: number, ms: number): RunRecord {
  const endedAt = Date.now() - 60_000;
  return {
    id: `run_m${String(i).padStart(6, "0")}`,
    functionId: `fn_${fn}`,
    functionName: fn,
    versionId: "ver_x",
    versionNumber: 1,
    trigger: "tool",
    status: "succeeded",
    input: null,
    output: null,
    error: null,
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: null,
    createdAt: endedAt - ms,
    startedAt: endedAt - ms,
    endedAt,
  };
}

const metrics = async (q: string) => json(await api(`/v1/metrics?${q}`));
const fnOf = (m: any, name: string) => m.functions.find((f: any) => f.name === name);

describe("metrics", () => {
  beforeAll(async () => {
    await deploy("m-tool", TOOL);
    await deploy("m-job", WAITER);
  });

  it("counts each ended tool call and job once, by status, through GET /v1/metrics", async () => {
    for (const ok of [true, true, true, false])
      await waitForRun((await api("/v1/tools/m-tool", { body: { ok } })).headers.get("kiln-run-id")!);
    const done = await startJob("m-job", { wait: false });
    const waiting = await startJob("m-job", { wait: true });
    await waitForJob(done, ended);
    await waitForJob(waiting, (j) => j.status === "waiting");
    const before = await metrics("window=1h&function=m-job");
    expect(before).toMatchObject({ waitingJobs: 1, totals: { runs: 1, succeeded: 1 } });
    // Cancelled twice: the second finds the run ended and must not count it again.
    expect((await api(`/v1/jobs/${waiting}/cancel`, { method: "POST" })).status).toBe(200);
    await api(`/v1/jobs/${waiting}/cancel`, { method: "POST" });
    const m = await metrics("window=1h");
    expect(fnOf(m, "m-tool")).toMatchObject({ runs: 4, succeeded: 3, failed: 1, timedOut: 0, cancelled: 0, errorRate: 0.25 });
    expect(fnOf(m, "m-job")).toMatchObject({ runs: 2, succeeded: 1, cancelled: 1, errorRate: 0 });
    expect(m.waitingJobs).toBe(0);
    expect(m.series).toHaveLength(60);
    const inSeries = m.series.reduce((n: number, p: any) => n + p.succeeded + p.failed + p.timedOut + p.cancelled, 0);
    expect(inSeries).toBe(6);
    expect(m.totals.runs).toBe(6);
    expect(m.busiest.slice(0, 2)).toEqual(["m-tool", "m-job"]);
    expect(m.mostFailing).toEqual(["m-tool"]);
  });

  it("counts a job the cron sweep times out once, however many sweeps find it", async () => {
    await deploy(
      "m-slow",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), jobTimeoutMs: 60_000,
  async run(_, ctx) { await ctx.waitForEvent("never", { type: "never" }); return 1; } });`,
    );
    const id = await startJob("m-slow", {});
    await waitForJob(id, (j) => j.status === "waiting");
    const later = Date.now() + 120_000;
    expect(await Promise.all([sweepOverdueJobs(env, later), sweepOverdueJobs(env, later)])).toContain(1);
    expect(await sweepOverdueJobs(env, later)).toBe(0);
    expect(fnOf(await metrics("window=1h"), "m-slow")).toMatchObject({ runs: 1, timedOut: 1, errorRate: 1 });
  });

  it("estimates percentiles from the duration buckets, over every window", async () => {
    const runs = [
      ...Array.from({ length: 90 }, (_, i) => finished("m-dur", i, 10)),
      ...Array.from({ length: 10 }, (_, i) => finished("m-dur", 90 + i, 1000)),
    ];
    await saveFinishedRuns(
      database(env.DB),
      runs.map((run) => ({ run, trace: { steps: [], spans: [], logs: [] } })),
    );
    for (const window of ["1h", "24h", "7d"]) {
      const m = await metrics(`window=${window}&function=m-dur`);
      // 90 runs in [8, 16) ms, 10 in [512, 1024) ms: interpolated inside the bucket holding each rank.
      expect(m.functions).toEqual([
        { name: "m-dur", runs: 100, succeeded: 100, failed: 0, timedOut: 0, cancelled: 0, errorRate: 0, p50Ms: 12, p95Ms: 768, p99Ms: 973 },
      ]);
      expect(m.series.filter((p: any) => p.succeeded > 0).map((p: any) => p.succeeded)).toEqual([100]);
    }
    expect((await metrics("window=24h&function=m-dur")).stepMinutes).toBe(15);
    expect((await metrics("window=7d")).series).toHaveLength(84);
  });

  it("reads the rollups through their indexes, never scanning the runs", async () => {
    const db = database(env.DB);
    for (const functions of [null, ["m-tool"], ["m-tool", "m-job"]]) {
      const q = rollupQueries({ fromMinute: Math.floor(Date.now() / 60_000) - 60, functions }, 15);
      for (const statement of [q.series, q.perFunction]) {
        const plan = (await db.all<{ detail: string }>(sql`explain query plan ${statement}`)).map((r) => r.detail).join("\n");
        expect(plan).toMatch(/run_rollups USING (COVERING )?INDEX/);
        expect(plan).not.toMatch(/SCAN/);
        expect(plan).not.toMatch(/\bruns\b/);
      }
    }
  });

  it("refuses a window it does not know, with a 400 problem", async () => {
    await expectProblem(await api("/v1/metrics?window=30d"), 400, "validation_failed");
    await expectProblem(await api("/v1/metrics?window=1h&extra=1"), 400, "validation_failed");
  });
});

describe("rollup pruning", () => {
  it("drops rollups older than 8 days from the per-minute cron and keeps the rest", async () => {
    const db = database(env.DB);
    const now = Date.now();
    const old = { ...finished("m-old", 900, 5), endedAt: now - 9 * 86_400_000 };
    const recent = { ...finished("m-old", 901, 5), endedAt: now - 7 * 86_400_000 };
    await env.DB.batch(rollupStatements(db, [old, recent]));
    expect(await pruneOldRollups(env, now)).toBe(1);
    const left = await db.all<{ minute: number }>(sql`select minute from run_rollups where function_name = 'm-old'`);
    expect(left.map((r) => r.minute)).toEqual([Math.floor(recent.endedAt / 60_000)]);
  });
});

describe("bound inserts", () => {
  it("refuse a statement whose values differ from the ones drizzle binds for that shape", async () => {
    const db = database(env.DB);
    const row = { functionName: "m-bound", minute: 1, succeeded: 1 };
    expect(() => boundInsert(db, "test mismatch", runRollups, [row], () => db.insert(runRollups).values({ ...row, succeeded: 2 }))).toThrow(
      /differ from drizzle's/,
    );
    // The same shape with drizzle's own values binds, fills the defaults, and later rows reuse the text.
    await env.DB.batch([
      boundInsert(db, "test match", runRollups, [row], () => db.insert(runRollups).values(row)),
      boundInsert(db, "test match", runRollups, [{ ...row, minute: 2, failed: 3 }], () => {
        throw new Error("the text is cached: not built again");
      }),
    ]);
    const left = await db.all<{ minute: number; succeeded: number; failed: number }>(
      sql`select minute, succeeded, failed from run_rollups where function_name = 'm-bound' order by minute`,
    );
    expect(left).toEqual([
      { minute: 1, succeeded: 1, failed: 0 },
      { minute: 2, succeeded: 1, failed: 3 },
    ]);
  });
});
