// Hostile or unlucky jobs must not jam a function's concurrency line: every path that ends a run
// gives its slot back (dead-lettered start, deletion of the function), a slot held by a run that
// ended or never existed is reclaimed by the cron tick, and replays obey the job rules.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../workers/index";
import { nudgeOverdueSleeps, SLEEP_NUDGE_GRACE_MS } from "../../workers/jobs/sweep";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { api, deploy, expectProblem, json } from "../helpers/api";
import { ended, job, startJob, waitForJob } from "../helpers/jobs";

const GATED = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ n: z.number() }),
  concurrency: 1,
  async run({ n }, ctx) {
    await ctx.step("begin", () => n);
    await ctx.waitForEvent("gate", { type: "go" });
    return n;
  },
});`;

async function tick(at = Date.now()): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** A run row as the API would have stored it, for states the API cannot be made to produce on cue. */
async function insertRun(id: string, fn: { id: string; name: string; versionId: string }, status: string, input: string) {
  await env.DB.prepare(
    "insert into runs (id, function_id, function_name, version_id, version_number, trigger, status, input, attempt, created_at) values (?, ?, ?, ?, 1, 'job', ?, ?, 1, ?)",
  )
    .bind(id, fn.id, fn.name, fn.versionId, status, input, Date.now())
    .run();
}

async function deployed(name: string, code: string) {
  const v = await deploy(name, code);
  const row = await env.DB.prepare("select id from functions where name = ?").bind(name).first<{ id: string }>();
  return { id: row!.id, name, versionId: v.id as string };
}

/** Lets the job through its gate and waits for its end. */
async function finish(id: string): Promise<any> {
  await waitForJob(id, (j) => j.status === "waiting", 45_000);
  expect((await api(`/v1/jobs/${id}/events`, { body: { type: "go" } })).status).toBe(202);
  return waitForJob(id, ended);
}

/** A finished job releases its slot just after its status is written: wait for the line to empty. */
async function expectEmptyLine(fn: string): Promise<void> {
  const limiter = env.LIMITER.getByName(fn);
  await vi.waitUntil(async () => (await limiter.snapshot()).running.length === 0, { timeout: 5_000, interval: 50 });
  expect(await limiter.snapshot()).toMatchObject({ running: [], waiting: [] });
}

describe("concurrency slots are always given back", () => {
  it("a dead-lettered start releases its place: the next job of a concurrency-1 function runs", { timeout: 60_000 }, async () => {
    const fn = await deployed("jam-dlq", GATED);
    // Accepted and in line first, but its stored input is unreadable, so every delivery of its
    // start message fails and the message goes to the dead-letter queue.
    const poisoned = "run_00000000000000000000000dlq";
    await insertRun(poisoned, fn, "queued", "{not json");
    await env.LIMITER.getByName(fn.name).join(poisoned, 1);
    await env.JOB_QUEUE.send({ runId: poisoned });
    const next = await startJob(fn.name, { n: 7 });

    expect(await waitForJob(poisoned, ended, 30_000)).toMatchObject({ status: "failed", error: { name: "StartFailed" } });
    expect(await finish(next)).toMatchObject({ status: "succeeded", output: 7 });
    await expectEmptyLine(fn.name);
  });

  it("one cron tick reclaims slots held by a run that ended or does not exist", { timeout: 60_000 }, async () => {
    const fn = await deployed("jam-stuck", GATED.replace("concurrency: 1", "concurrency: 2"));
    const endedRun = "run_0000000000000000000000ended";
    await insertRun(endedRun, fn, "failed", "{}");
    const limiter = env.LIMITER.getByName(fn.name);
    // Slots whose release was lost: one by a run that failed, one by a run D1 never heard of.
    expect(await limiter.acquire(endedRun, 2)).toMatchObject({ granted: true });
    expect(await limiter.acquire("run_0000000000000000000000ghost", 2)).toMatchObject({ granted: true });
    const next = await startJob(fn.name, { n: 3 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await job(next)).status).toBe("queued");

    await tick();
    expect(await finish(next)).toMatchObject({ status: "succeeded", output: 3 });
    await expectEmptyLine(fn.name);
  });

  it("one cron tick wakes a job that was granted a slot but missed its wake-up", { timeout: 60_000 }, async () => {
    await deploy("jam-wake", GATED);
    const first = await startJob("jam-wake", { n: 1 });
    const second = await startJob("jam-wake", { n: 2 });
    await waitForJob(first, (j) => j.status === "waiting");
    // The slot passes to `second` without its wake-up event (as when the runtime restarts in
    // between): it would otherwise only look again at its 30 s re-check.
    expect(await env.LIMITER.getByName("jam-wake").release(first)).toEqual([second]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await job(second)).status).toBe("queued");
    await tick();
    await waitForJob(second, (j) => j.status === "waiting", 10_000);
    await api(`/v1/jobs/${first}/cancel`, { method: "POST" });
    expect(await finish(second)).toMatchObject({ status: "succeeded", output: 2 });
  });

  it("shows the line on the function, and deleting the function ends its jobs and clears the line", { timeout: 60_000 }, async () => {
    await deploy("jam-delete", GATED);
    const first = await startJob("jam-delete", { n: 1 });
    const second = await startJob("jam-delete", { n: 2 });
    await waitForJob(first, (j) => j.status === "waiting");
    const detail = await json(await api("/v1/functions/jam-delete"));
    expect(detail.concurrency).toEqual({ limit: 1, running: [first], waiting: [second] });

    expect((await api("/v1/functions/jam-delete", { method: "DELETE" })).status).toBe(204);
    for (const id of [first, second]) {
      expect(await job(id)).toMatchObject({
        status: "cancelled",
        error: { name: "FunctionDeleted", message: expect.stringContaining("deleted") },
      });
    }
    expect(await env.LIMITER.getByName("jam-delete").snapshot()).toMatchObject({ running: [], waiting: [] });

    // Redeployed under the same name: it starts clean.
    await deploy("jam-delete", GATED);
    const fresh = await startJob("jam-delete", { n: 3 });
    expect(await finish(fresh)).toMatchObject({ status: "succeeded", output: 3 });
    expect((await json(await api("/v1/functions/jam-delete"))).concurrency).toEqual({ limit: 1, running: [], waiting: [] });
  });
});

describe("replays follow the job rules", () => {
  it("refuses to replay a run of a function not exposed as a job, and a run that is still live", async () => {
    await deploy("replay-live", GATED.replace("concurrency: 1,", ""));
    const live = await startJob("replay-live", { n: 1 });
    await waitForJob(live, (j) => j.status === "waiting");
    await expectProblem(await api(`/v1/runs/${live}/replay`, { method: "POST" }), 409, "conflict");
    await finish(live);
    expect((await api(`/v1/runs/${live}/replay`, { method: "POST" })).status).toBe(202);

    // The same function, now not exposed as a job: replaying its old run is refused like POST /v1/jobs.
    await deploy(
      "replay-live",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({ n: z.number() }), exposures: { tool: true, job: false }, run: ({ n }) => n });`,
    );
    await expectProblem(await api("/v1/jobs", { body: { function: "replay-live", input: { n: 1 } } }), 404, "not_found");
    await expectProblem(await api(`/v1/runs/${live}/replay`, { method: "POST" }), 404, "not_found");
  });
});

describe("sleeps the engine forgot", () => {
  it("nudges only jobs still sleeping (or waiting) well past their wake time, and the nudge changes nothing else", async () => {
    await deploy(
      "napper",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), async run(_, ctx) {
  await ctx.step("before", () => 1);
  await ctx.sleep("nap", "1 hour");
  return 2;
} });`,
    );
    await deploy(
      "patient",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), async run(_, ctx) {
  return (await ctx.waitForEvent("reply", { type: "reply", timeout: "1 hour" })).payload;
} });`,
    );
    const id = await startJob("napper", {});
    const waiter = await startJob("patient", {});
    await waitForJob(id, (j) => j.status === "waiting" && j.waitingFor === 'sleep "nap"');
    await waitForJob(waiter, (j) => j.status === "waiting");
    const db = database(env.DB);
    expect(await nudgeOverdueSleeps(env, db, Date.now())).toBe(0);
    expect(await nudgeOverdueSleeps(env, db, Date.now() + 3_600_000)).toBe(0);
    expect(await nudgeOverdueSleeps(env, db, Date.now() + 3_600_000 + SLEEP_NUDGE_GRACE_MS + 1_000)).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    const after = await job(id);
    expect(after).toMatchObject({ status: "waiting", waitingFor: 'sleep "nap"' });
    expect(after.steps.filter((s: any) => s.name === "before")).toHaveLength(1);
    // The wait still takes its own event: the nudge was not mistaken for it.
    await api(`/v1/jobs/${waiter}/events`, { body: { type: "reply", payload: "hi" } });
    expect(await waitForJob(waiter, ended)).toMatchObject({ status: "succeeded", output: "hi" });
    await api(`/v1/jobs/${id}/cancel`, { method: "POST" });
  });

  it("refuses kiln-internal event types in ctx.waitForEvent", async () => {
    await deploy(
      "eavesdropper",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), async run(_, ctx) { return (await ctx.waitForEvent("w", { type: "kiln-wake" })).type; } });`,
    );
    const id = await startJob("eavesdropper", {});
    expect(await waitForJob(id, ended)).toMatchObject({ status: "failed", error: { message: expect.stringContaining("reserved") } });
  });

  it("refuses kiln-internal event types from callers too", async () => {
    await deploy(
      "listener",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), async run(_, ctx) { return (await ctx.waitForEvent("w", { type: "go" })).type; } });`,
    );
    const id = await startJob("listener", {});
    for (const type of ["kiln-wake", "kiln-slot"]) {
      const res = await api(`/v1/jobs/${id}/events`, { body: { type } });
      expect((await expectProblem(res, 400, "validation_failed")).issues[0].path).toBe("/type");
    }
    await api(`/v1/jobs/${id}/cancel`, { method: "POST" });
  });
});
