// Retention: the per-minute sweep deletes runs past their function's retention with everything
// they own (steps, spans, logs, text-index rows, objects in R2), keeps newer runs and other functions' runs,
// honours a function's own retention, and deletes at most one bounded batch per D1 batch.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_WINDOW_MS } from "../../workers/http/tool-call";
import type { RunTrigger, Trace } from "../../workers/lib/contracts/runs";
import { storedJson } from "../../workers/lib/domain/json-text";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { type RunRecord, saveFinishedRuns } from "../../workers/lib/infra/db/runs.repo";
import { newId } from "../../workers/lib/infra/ids";
import { deliveryKey, payloadColumn, putPayloads, stepResultKey } from "../../workers/lib/infra/payloads";
import { pruneRuns, sweepRetention, TOOL_KEY_KEEP_MS } from "../../workers/schedules/retention";
import { api, deploy, json } from "../helpers/api";

const DAY = 86_400_000;
const NOW = Date.now();
const db = database(env.DB);
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: () => "ok" });`;

const trace = (): Trace => ({
  steps: [{ name: "s", kind: "step", status: "succeeded", attempt: 1, startedAt: 1, endedAt: 2, error: null, output: null }],
  spans: [{ step: null, method: "GET", host: "api.example.com", path: "/", status: 200, startedAt: 1, durationMs: 3, error: null }],
  logs: [{ level: "info", message: "retention-marker", data: null, step: null, at: 1 }],
});

const BIG = JSON.stringify({ note: "retention-marker", blob: "x".repeat(70_000) });

/** Stores a finished run of `fn` created `ageDays` ago (`big`: its input and a step result in R2); returns its id. */
async function storeRun(fn: string, ageDays: number, big = false, trigger: RunTrigger = "tool"): Promise<string> {
  const createdAt = NOW - ageDays * DAY;
  const id = newId("run", createdAt);
  const stored = payloadColumn(id, "input", big ? BIG : JSON.stringify({ note: "retention-marker" }));
  if (big && stored.object) await putPayloads(env.PAYLOADS, [stored.object, { key: stepResultKey(id, newId("stp")), text: BIG }]);
  const run: RunRecord = {
    id,
    functionId: `fn_${fn}`,
    functionName: fn,
    versionId: "ver_x",
    versionNumber: 1,
    trigger,
    status: "failed",
    input: stored.column,
    output: null,
    error: { message: "retention-marker failed", step: null, retryable: false },
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: null,
    createdAt,
    startedAt: createdAt,
    endedAt: createdAt + 5,
  };
  await saveFinishedRuns(db, [{ run, trace: trace() }]);
  return id;
}

async function rowsOf(id: string): Promise<number[]> {
  const count = async (table: string, column: string) =>
    (await env.DB.prepare(`select count(*) as n from ${table} where ${column} = ?`).bind(id).first<number>("n")) ?? -1;
  return Promise.all([count("runs", "id"), count("run_steps", "run_id"), count("run_spans", "run_id"), count("run_logs", "run_id")]);
}

async function searchable(id: string): Promise<boolean> {
  const found = await json(await api("/v1/runs?q=retention-marker&limit=200"));
  return found.items.some((r: { id: string }) => r.id === id);
}

describe("retention", () => {
  beforeAll(async () => {
    await deploy("keep-long", CODE);
    await deploy("keep-short", CODE);
  });

  it("deletes an old run with everything it owns and keeps new runs and other functions' runs", async () => {
    const old = await storeRun("ret-plain", 31);
    const fresh = await storeRun("ret-plain", 29);
    const long = await storeRun("keep-long", 40);
    const oldBig = await storeRun("ret-plain", 31, true);
    const freshBig = await storeRun("ret-plain", 29, true);
    // Jobs: their Durable Object keeps live state, a step's whole result and the output.
    const oldJob = await storeRun("ret-plain", 31, false, "job");
    const freshJob = await storeRun("ret-plain", 29, false, "job");
    // A job still waiting after its retention (a long sleep or wait) is in use: kept until it ends.
    const liveJob = await storeRun("ret-plain", 31, false, "job");
    await env.DB.prepare("update runs set status = 'waiting', ended_at = null where id = ?").bind(liveJob).run();
    for (const id of [oldJob, freshJob, liveJob]) {
      const job = env.JOB.getByName(id);
      await job.init(id, "running");
      await job.recordStep(
        { name: "s", kind: "step", status: "succeeded", attempt: 1, startedAt: 1, endedAt: 2, error: null, output: null },
        { value: { secret: "retention-marker" } },
      );
      await job.keepOutput('"retention-marker"');
    }
    const objects = async (id: string) => (await env.PAYLOADS.list({ prefix: `runs/${id}/` })).objects.length;
    expect([await objects(oldBig), await objects(freshBig)]).toEqual([2, 2]);
    const res = await api("/v1/functions/keep-long/retention", { method: "PUT", body: { days: 90 } });
    expect(res.status).toBe(200);
    expect((await json(res)).retentionDays).toBe(90);
    expect(await rowsOf(old)).toEqual([1, 1, 1, 1]);
    expect(await searchable(old)).toBe(true);

    await sweepRetention(env, db, NOW);

    expect(await rowsOf(old)).toEqual([0, 0, 0, 0]);
    expect(await searchable(old)).toBe(false);
    expect(await rowsOf(fresh)).toEqual([1, 1, 1, 1]);
    expect(await searchable(fresh)).toBe(true);
    expect(await rowsOf(long)).toEqual([1, 1, 1, 1]);
    expect([await objects(oldBig), await objects(freshBig)]).toEqual([0, 2]);
    const kept = async (id: string) => {
      const job = env.JOB.getByName(id);
      return { state: (await job.snapshot()) !== null, results: await job.stepResults(), output: await job.keptOutput() };
    };
    expect(await kept(oldJob)).toEqual({ state: false, results: {}, output: null });
    expect(await kept(freshJob)).toEqual({ state: true, results: { s: { secret: "retention-marker" } }, output: '"retention-marker"' });
    expect(await kept(liveJob)).toEqual({ state: true, results: { s: { secret: "retention-marker" } }, output: '"retention-marker"' });
    expect((await rowsOf(liveJob))[0]).toBe(1);
  });

  it("a function's own shorter retention deletes its runs sooner, and null restores the default", async () => {
    const mid = await storeRun("keep-short", 5);
    const other = await storeRun("ret-other", 5);
    await api("/v1/functions/keep-short/retention", { method: "PUT", body: { days: 3 } });
    await sweepRetention(env, db, NOW);
    expect((await rowsOf(mid))[0]).toBe(0);
    expect((await rowsOf(other))[0]).toBe(1);
    const cleared = await api("/v1/functions/keep-short/retention", { method: "PUT", body: { days: null } });
    expect((await json(cleared)).retentionDays).toBeNull();
    expect((await json(await api("/v1/functions/keep-short/config"))).retentionDays).toBeNull();
  });

  it("deletes at most one batch per D1 batch and drains the rest over later batches", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await storeRun("ret-batch", 60 + i));
    expect(await pruneRuns(db, { now: NOW, defaultDays: 30, batch: 3, batches: 1 })).toBe(3);
    const left = await Promise.all(ids.map(async (id) => (await rowsOf(id))[0]));
    // Oldest first: the three oldest went.
    expect(left).toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(await pruneRuns(db, { now: NOW, defaultDays: 30, batch: 3, batches: 5 })).toBe(4);
  });

  it("drops tool-call idempotency claims past their window and old webhook deliveries", async () => {
    expect(TOOL_KEY_KEEP_MS).toBeGreaterThanOrEqual(IDEMPOTENCY_WINDOW_MS);
    const claim = (key: string, at: number) =>
      env.DB.prepare(
        "insert into tool_call_keys (credential, function_name, key, request_hash, run_id, created_at) values ('c', 'f', ?, 'h', 'r', ?)",
      )
        .bind(key, at)
        .run();
    await claim("old", NOW - TOOL_KEY_KEEP_MS - 1000);
    await claim("new", NOW - 1000);
    // Accepted deliveries with a body over 64 KiB: a marker in the row, the body in R2.
    const delivery = async (id: string) => {
      const key = deliveryKey("whe_x", id);
      const marker = storedJson(BIG, key);
      await env.PAYLOADS.put(key, BIG);
      await env.DB.prepare(
        "insert into webhook_deliveries (id, endpoint_id, status, received_at, headers, payload) values (?, 'whe_x', 'accepted', 0, '{}', ?)",
      )
        .bind(id, marker)
        .run();
    };
    const oldDelivery = newId("dlv", NOW - 31 * DAY);
    const newDelivery = newId("dlv", NOW - DAY);
    await delivery(oldDelivery);
    await delivery(newDelivery);
    await sweepRetention(env, db, NOW);
    const keys = await env.DB.prepare("select key from tool_call_keys where credential = 'c'").all<{ key: string }>();
    expect(keys.results.map((r) => r.key)).toEqual(["new"]);
    const deliveries = await env.DB.prepare("select id from webhook_deliveries where endpoint_id = 'whe_x'").all<{ id: string }>();
    expect(deliveries.results.map((r) => r.id)).toEqual([newDelivery]);
    expect(await env.PAYLOADS.head(deliveryKey("whe_x", oldDelivery))).toBeNull();
    expect(await env.PAYLOADS.head(deliveryKey("whe_x", newDelivery))).not.toBeNull();
  });
});
