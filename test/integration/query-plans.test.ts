// Every query of the runs list, counts, detail and the sweeps, as the code builds it, explained by
// SQLite (EXPLAIN QUERY PLAN through the D1 binding): each reads through an index, none scans a
// whole table, and none sorts all matching rows. A million runs stay fast only while this holds.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isJobTrigger, type RunsQuery, type RunTrigger } from "../../workers/lib/contracts/runs";
import { database } from "../../workers/lib/infra/db/functions.repo";
import {
  deleteDeliveries,
  deleteRuns,
  expiredDeliveries,
  expiredRunIds,
  jobRunsOf,
  pruneToolKeys,
  runsWithPayloads,
} from "../../workers/lib/infra/db/retention.repo";
import {
  countRunsByStatus,
  findByIdempotencyKey,
  getRun,
  getTrace,
  listChildren,
  listDeadLetter,
  listLiveJobs,
  listOverdueJobs,
  listRuns,
  type RunRecord,
  saveFinishedRuns,
} from "../../workers/lib/infra/db/runs.repo";
import { hasLiveRun, recentScheduleRuns } from "../../workers/lib/infra/db/schedules.repo";
import { newId } from "../../workers/lib/infra/ids";

interface Captured {
  sql: string;
  params: unknown[];
}

/**
 * A D1 stand-in that only records the statements drizzle prepares; it answers with no rows, except
 * two function names for a name-prefix lookup (so the per-name reads that follow are recorded too).
 */
function recorder(): { db: ReturnType<typeof database>; captured: Captured[] } {
  const captured: Captured[] = [];
  const empty = { results: [], success: true, meta: {} };
  const statement = (sql: string, params: unknown[] = []): unknown => ({
    bind: (...args: unknown[]) => {
      captured.push({ sql, params: args });
      return statement(sql, args);
    },
    all: async () => empty,
    run: async () => empty,
    raw: async () => (/from "functions" where \("functions"."name" >=/.test(sql) ? [["billing"], ["billing-sync"]] : []),
    first: async () => null,
    params,
  });
  const d1 = {
    prepare: (sql: string) => statement(sql),
    batch: async (list: unknown[]) => list.map(() => empty),
  };
  return { db: database(d1 as unknown as D1Database), captured };
}

async function plansOf(run: (db: ReturnType<typeof database>) => Promise<unknown>): Promise<{ sql: string; lines: string[] }[]> {
  const { db, captured } = recorder();
  await run(db);
  expect(captured.length).toBeGreaterThan(0);
  const plans: { sql: string; lines: string[] }[] = [];
  for (const { sql, params } of captured) {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    plans.push({ sql, lines: results.map((r) => r.detail) });
  }
  return plans;
}

/** A plan line that reads a whole table, or sorts rows it could have read in order. */
const FULL_SCAN = /^SCAN (runs|run_steps|run_spans|run_logs|tool_call_keys|webhook_deliveries|functions)$/;
const SORT = /USE TEMP B-TREE FOR ORDER BY/;

async function expectIndexed(run: (db: ReturnType<typeof database>) => Promise<unknown>, o: { uses?: RegExp; sorts?: boolean } = {}) {
  const plans = await plansOf(run);
  const lines = plans.flatMap((p) => p.lines);
  // Offending lines name their statement, so a failure says which query regressed.
  const offending = (re: RegExp) => plans.flatMap((p) => p.lines.filter((l) => re.test(l)).map((l) => `${l} ← ${p.sql}`));
  expect(offending(FULL_SCAN)).toEqual([]);
  if (!o.sorts) expect(offending(SORT)).toEqual([]);
  if (o.uses) expect(lines.some((l) => o.uses?.test(l))).toBe(true);
  return lines;
}

const query = (q: Partial<RunsQuery>): RunsQuery => ({ limit: 50, ...q });
const CURSOR = "run_01kb0000000000000000000000";

describe("query plans at scale", () => {
  const listShapes: [string, Partial<RunsQuery>, RegExp][] = [
    ["no filter", {}, /USING INDEX sqlite_autoindex_runs_1/],
    ["a deep cursor page", { cursor: CURSOR }, /USING INDEX sqlite_autoindex_runs_1 \(id<\?\)/],
    ["function", { function: "billing" }, /USING INDEX runs_fn_id \(function_name=\?\)/],
    ["function prefix", { function: "bill*" }, /USING INDEX runs_fn_id \(function_name=\?\)/],
    ["function and cursor", { function: "billing", cursor: CURSOR }, /USING INDEX runs_fn_id \(function_name=\? AND id<\?\)/],
    ["status", { status: "failed" }, /USING INDEX runs_status_id \(status=\?\)/],
    ["trigger", { trigger: "job" }, /USING INDEX runs_trigger_id \(trigger=\?\)/],
    ["since and until", { since: "2026-11-01T00:00:00Z", until: "2026-11-02T00:00:00Z" }, /\(id>\? AND id<\?\)/],
    ["a run id in q", { q: "run_01kb3" }, /\(id>\? AND id<\?\)/],
    ["text in q", { q: "payment declined" }, /SCAN runs_fts VIRTUAL TABLE/],
    ["text in q with a cursor and a filter", { q: "declined", cursor: CURSOR, status: "failed" }, /SCAN runs_fts VIRTUAL TABLE/],
  ];
  for (const [name, q, uses] of listShapes) {
    it(`GET /v1/runs with ${name} reads through an index, in order`, async () => {
      await expectIndexed((db) => listRuns(db, query(q), null), { uses });
    });
  }

  it("GET /v1/runs for a key limited to some functions reads through an index", async () => {
    await expectIndexed((db) => listRuns(db, query({}), ["billing", "search"]), { uses: /runs_fn_id \(function_name=\?\)/ });
    await expectIndexed((db) => listRuns(db, query({ q: "declined" }), ["billing"]), { uses: /SCAN runs_fts VIRTUAL TABLE/ });
  });

  it("a text search joins each match to its run by rowid", async () => {
    const lines = await expectIndexed((db) => listRuns(db, query({ q: "declined" }), null));
    expect(lines.some((l) => /SEARCH runs USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(l))).toBe(true);
  });

  for (const [name, q, allowed] of [
    ["no filter", {}, null],
    ["function", { function: "billing" }, null],
    ["function prefix", { function: "bill*" }, null],
    ["a key limited to some functions", {}, ["billing", "search"]],
  ] as const) {
    it(`GET /v1/runs/counts with ${name} reads a bounded number of rows through an index`, async () => {
      await expectIndexed((db) => countRunsByStatus(db, query(q), allowed ? [...allowed] : null));
    });
  }

  it("GET /v1/runs/counts with text sorts at most RUN_COUNT_CAP matches of the text index", async () => {
    await expectIndexed((db) => countRunsByStatus(db, query({ q: "declined" }), null), { uses: /runs_fts VIRTUAL TABLE/, sorts: true });
  });

  it("GET /v1/runs/:id reads the run, its trace and its children through their keys", async () => {
    const lines = await expectIndexed(async (db) => {
      await getRun(db, CURSOR);
      await getTrace(db, CURSOR);
      await listChildren(db, CURSOR);
    });
    for (const index of [/sqlite_autoindex_runs_1 \(id=\?\)/, /run_steps_pk \(run_id=\?\)/, /run_spans_pk/, /run_logs_pk/, /runs_parent/])
      expect(lines.some((l) => index.test(l))).toBe(true);
  });

  it("GET /v1/jobs reads only job runs, through the partial indexes over jobs, in order", async () => {
    const shapes: [Partial<RunsQuery>, readonly string[] | null, RegExp][] = [
      [{}, null, /USING INDEX runs_jobs_id$/],
      [{ cursor: CURSOR }, null, /USING INDEX runs_jobs_id \(id<\?\)/],
      [{ function: "billing" }, null, /USING INDEX runs_jobs_fn_id \(function_name=\?\)/],
      [{ function: "bill*" }, null, /USING INDEX runs_jobs_fn_id \(function_name=\?\)/],
      [{}, ["billing", "search"], /USING INDEX runs_jobs_fn_id \(function_name=\?\)/],
      // Only jobs are stored while live: a live status reads its own index.
      [{ status: "waiting" }, null, /USING INDEX runs_status_id \(status=\?\)/],
    ];
    for (const [q, allowed, uses] of shapes) {
      const lines = await expectIndexed((db) => listRuns(db, query(q), allowed, { jobsOnly: true }), { uses });
      expect(lines.filter((l) => /sqlite_autoindex_runs_1|runs_fn_id/.test(l))).toEqual([]);
    }
  });

  it("GET /v1/jobs pages through the jobs of every trigger newest first, and no tool call", async () => {
    const db = database(env.DB);
    const base = Date.parse("2026-12-02T00:00:00Z");
    const triggers: RunTrigger[] = ["job", "tool", "webhook", "mcp", "schedule", "invoke", "tool", "replay", "manual", "mcp-task", "job"];
    const items = triggers.map((trigger, i) => {
      const id = newId("run", base + i);
      const run: RunRecord = {
        ...{ id, functionId: "fn_plans", functionName: "plans", versionId: "ver_plans", versionNumber: 1, trigger, status: "succeeded" },
        ...{ input: "{}", output: "1", error: null, attempt: 1, idempotencyKey: null, requestHash: null, parentRunId: null },
        ...{ createdAt: base + i, startedAt: base + i, endedAt: base + i + 1 },
      };
      return { run, trace: { steps: [], spans: [], logs: [] } };
    });
    await saveFinishedRuns(db, items);
    const window = { since: "2026-12-02T00:00:00Z", until: "2026-12-02T00:01:00Z", limit: 3 };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listRuns(db, query({ ...window, cursor }), null, { jobsOnly: true });
      seen.push(...page.map((r) => r.id));
      cursor = page.length === window.limit ? page.at(-1)?.id : undefined;
    } while (cursor);
    const jobs = items.filter((i) => isJobTrigger(i.run.trigger)).map((i) => i.run.id);
    expect(jobs).toHaveLength(8);
    expect(seen).toEqual(jobs.reverse());
  });

  it("idempotency keys are looked up through the partial indexes, a schedule's recent runs through its function's", async () => {
    await expectIndexed((db) => findByIdempotencyKey(db, "fn_1", "order-7"), {
      uses: /runs_fn_idempotency \(function_id=\? AND idempotency_key=\?\)/,
    });
    await expectIndexed((db) => hasLiveRun(db, "fn_1", "sch_1"), {
      uses: /runs_fn_idempotency \(function_id=\? AND idempotency_key>\? AND idempotency_key<\?\)/,
    });
    await expectIndexed((db) => recentScheduleRuns(db, "billing", "sch_1"), { uses: /runs_fn_id \(function_name=\?\)/ });
  });

  it("the sweeps read through indexes", async () => {
    const now = Date.parse("2026-12-01T00:00:00Z");
    await expectIndexed((db) => listOverdueJobs(db, now), { uses: /runs_status_id/ });
    await expectIndexed((db) => listLiveJobs(db, { startedBefore: now, limit: 20 }), { uses: /runs_status_id/, sorts: true });
    await expectIndexed((db) => listDeadLetter(db, 50, null), { uses: /runs_status_id \(status=\?\)/ });
    // Limited to a function, SQLite may walk that function's jobs instead of every failed run.
    await expectIndexed((db) => listDeadLetter(db, 50, ["billing"]), {
      uses: /runs_status_id \(status=\?\)|runs_jobs_fn_id \(function_name=\?\)/,
    });
  });

  it("the retention sweep deletes through keys and indexes", async () => {
    const now = Date.parse("2026-12-01T00:00:00Z");
    const lines = await expectIndexed(async (db) => {
      await expiredRunIds(db, { now, defaultDays: 30, limit: 500 });
      await deleteRuns(db, [CURSOR]);
      await pruneToolKeys(db, now, 500);
      await runsWithPayloads(db, [CURSOR]);
      await jobRunsOf(db, [CURSOR]);
      await expiredDeliveries(db, now, 500);
      await deleteDeliveries(db, [CURSOR]);
    });
    expect(lines.some((l) => /tool_call_keys_created \(created_at<\?\)/.test(l))).toBe(true);
  });
});
