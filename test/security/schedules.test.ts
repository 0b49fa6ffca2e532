// Schedules under hostile timing and credentials: a tick delivered twice or racing itself starts
// one run per slot; a live run blocks the next slot (overlap skip); paused fires nothing; a key
// limited to one function cannot schedule, see or trigger another; the tick reads only due rows.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { MAX_SCHEDULES_PER_FUNCTION } from "../../workers/lib/contracts/schedules";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { countSchedulesQuery, dueSchedulesQuery } from "../../workers/lib/infra/db/schedules.repo";
import { api, deploy, expectProblem, json } from "../helpers/api";
import { waitForJob } from "../helpers/jobs";

const HOUR = 3_600_000;

async function tick(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function schedule(fn: string, extra: Record<string, unknown> = {}): Promise<{ id: string; first: number }> {
  const res = await api("/v1/schedules", { body: { name: `s-${fn}`, function: fn, cron: "0 * * * *", input: {}, ...extra } });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return { id: body.id, first: Date.parse(body.nextFireAt) };
}

async function slotRuns(id: string): Promise<any[]> {
  const detail = await json(await api(`/v1/schedules/${id}`));
  return detail.recentRuns.filter((r: any) => r.trigger === "schedule");
}

describe("schedule dispatch", () => {
  beforeAll(async () => {
    await deploy(
      "sched-quick",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    await deploy(
      "sched-slow",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), async run(_, ctx) { await ctx.waitForEvent("never", { type: "never" }); return 1; } });`,
    );
  });

  it("starts exactly one run for a slot delivered twice and for two ticks racing for it", async () => {
    // allow: only the slot key keeps the second delivery from starting a second run.
    const { id, first } = await schedule("sched-quick", { overlap: "allow" });
    await tick(first);
    await tick(first);
    expect(await slotRuns(id)).toHaveLength(1);
    await Promise.all([tick(first + HOUR), tick(first + HOUR)]);
    const runs = await slotRuns(id);
    expect(runs).toHaveLength(2);
    await waitForJob(runs[0].id, (j) => j.status === "succeeded");
  });

  it("overlap skip: no new run while the previous one is live; the next slot after it ends fires", async () => {
    const { id, first } = await schedule("sched-slow");
    await tick(first);
    const [live] = await slotRuns(id);
    await waitForJob(live.id, (j) => j.status === "waiting");
    await tick(first + HOUR);
    expect(await slotRuns(id)).toHaveLength(1);
    expect((await api(`/v1/jobs/${live.id}/cancel`, { method: "POST" })).status).toBe(200);
    await tick(first + 2 * HOUR);
    const runs = await slotRuns(id);
    expect(runs).toHaveLength(2);
    // The dropped slot is counted, and the list shows the newest run's status.
    const listed = (await json(await api("/v1/schedules?function=sched-slow"))).items.find((s: any) => s.id === id);
    expect(listed).toMatchObject({ skippedSlots: 1, lastRun: { id: runs[0].id, status: expect.any(String) } });
    await api(`/v1/jobs/${runs[0].id}/cancel`, { method: "POST" });
    const after = (await json(await api("/v1/schedules?function=sched-slow"))).items.find((s: any) => s.id === id);
    expect(after.lastRun).toMatchObject({ id: runs[0].id, status: "cancelled" });
  });

  it("overlap buffer_one holds the newest slot while a run is live and starts it once that run ended", async () => {
    const { id, first } = await schedule("sched-slow", { overlap: "buffer_one" });
    await tick(first);
    const [live] = await slotRuns(id);
    await tick(first + HOUR);
    await tick(first + 2 * HOUR);
    expect(await slotRuns(id)).toHaveLength(1);
    expect((await api(`/v1/jobs/${live.id}/cancel`, { method: "POST" })).status).toBe(200);
    // The next minute, not the next hour: the held slot (the newest, first + 2 h) starts.
    await tick(first + 2 * HOUR + 60_000);
    const runs = await slotRuns(id);
    expect(runs).toHaveLength(2);
    const held = await json(await api(`/v1/jobs/${runs[0].id}`));
    expect(held.idempotencyKey).toBe(`sched:${id}:${new Date(first + 2 * HOUR).toISOString()}`);
    await api(`/v1/jobs/${runs[0].id}/cancel`, { method: "POST" });
  });

  it("after a gap of hours, catch-up all starts every missed slot and latest only the newest", async () => {
    const all = await schedule("sched-quick", { overlap: "allow", catchUp: "all" });
    const latest = await schedule("sched-quick", { overlap: "allow", catchUp: "latest" });
    await tick(all.first + 4 * HOUR + 10 * 60_000);
    expect(await slotRuns(all.id)).toHaveLength(5);
    const [only] = await slotRuns(latest.id);
    expect((await slotRuns(latest.id)).length).toBe(1);
    expect((await json(await api(`/v1/jobs/${only.id}`))).idempotencyKey).toBe(
      `sched:${latest.id}:${new Date(latest.first + 4 * HOUR).toISOString()}`,
    );
  });

  it("a paused schedule fires nothing; resumed with catch-up skip it fires no missed slot, then the next on time", async () => {
    const { id, first } = await schedule("sched-quick", { catchUp: "skip" });
    expect((await api(`/v1/schedules/${id}/pause`, { method: "POST" })).status).toBe(200);
    await tick(first);
    await tick(first + HOUR);
    expect(await slotRuns(id)).toHaveLength(0);
    expect((await api(`/v1/schedules/${id}/resume`, { method: "POST" })).status).toBe(200);
    await tick(first + HOUR + 30 * 60_000);
    expect(await slotRuns(id)).toHaveLength(0);
    await tick(first + 2 * HOUR);
    expect(await slotRuns(id)).toHaveLength(1);
  });

  it("a deleted schedule fires no further slot; its running job goes on", async () => {
    const { id, first } = await schedule("sched-slow", { overlap: "allow" });
    await tick(first);
    const [run] = await slotRuns(id);
    expect((await api(`/v1/schedules/${id}`, { method: "DELETE" })).status).toBe(204);
    const before = (await json(await api("/v1/jobs?function=sched-slow&limit=200"))).items.length;
    await tick(first + HOUR);
    expect((await json(await api("/v1/jobs?function=sched-slow&limit=200"))).items.length).toBe(before);
    await waitForJob(run.id, (j) => j.status === "waiting");
    await api(`/v1/jobs/${run.id}/cancel`, { method: "POST" });
  });

  it("tells the job its schedule and slot in ctx.run.schedule", async () => {
    await deploy(
      "sched-whoami",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: (_, ctx) => ({ trigger: ctx.run.trigger, schedule: ctx.run.schedule ?? null }) });`,
    );
    const { id, first } = await schedule("sched-whoami");
    await tick(first);
    const [run] = await slotRuns(id);
    const done = await waitForJob(run.id, (j) => j.status === "succeeded");
    expect(done.output).toEqual({ trigger: "schedule", schedule: { id, slot: new Date(first).toISOString() } });
  });

  it("reserves the sched: idempotency key prefix, so a caller cannot take a slot's place", async () => {
    const { id, first } = await schedule("sched-quick", { overlap: "allow" });
    const key = `sched:${id}:${new Date(first).toISOString()}`;
    const res = await api("/v1/jobs", { body: { function: "sched-quick", input: { other: 1 } }, headers: { "idempotency-key": key } });
    expect((await expectProblem(res, 400, "validation_failed")).issues[0].path).toMatch(/^\/headers\/idempotency-key/);
    await tick(first);
    expect(await slotRuns(id)).toHaveLength(1);
  });

  it("reads due schedules through the (paused, next_fire_at) index, never a table scan", async () => {
    const { sql, params } = dueSchedulesQuery(database(env.DB), Date.now()).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail).join("\n");
    expect(details).toMatch(/USING INDEX schedules_due/);
    expect(details).not.toMatch(/SCAN schedules/);
  });
});

describe("schedules and function limits", () => {
  it("caps the schedules of one function, so one tenant cannot crowd the tick", async () => {
    await deploy(
      "sched-many",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    for (let i = 0; i < MAX_SCHEDULES_PER_FUNCTION; i++) await schedule("sched-many", { name: `many-${i}` });
    const res = await api("/v1/schedules", { body: { name: "one-too-many", function: "sched-many", cron: "* * * * *", input: {} } });
    expect((await expectProblem(res, 409, "conflict")).detail).toMatch(/already has 20 schedules/);
    const { sql, params } = countSchedulesQuery(database(env.DB), "sched-many").toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/USING (COVERING )?INDEX schedules_fn/);
  });

  it("a key limited to one function cannot schedule, see or trigger another", async () => {
    await deploy(
      "sched-mine",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    const other = await schedule("sched-quick");
    const res = await api("/v1/keys", {
      body: { name: "sched-limited", scopes: ["schedules:read", "schedules:write"], functions: ["sched-mine"] },
    });
    const { key } = await json(res);
    const body = { name: "x", function: "sched-quick", cron: "* * * * *", input: {} };
    await expectProblem(await api("/v1/schedules", { key, body }), 403, "forbidden");
    expect((await api("/v1/schedules", { key, body: { ...body, function: "sched-mine" } })).status).toBe(201);
    await expectProblem(await api(`/v1/schedules/${other.id}`, { key }), 404, "not_found");
    await expectProblem(await api(`/v1/schedules/${other.id}/trigger`, { key, method: "POST" }), 404, "not_found");
    const listed = await json(await api("/v1/schedules", { key }));
    expect(listed.items.map((s: any) => s.function)).toEqual(["sched-mine"]);
    await expectProblem(await api("/v1/schedules?function=sched-quick", { key }), 403, "forbidden");
  });

  it("pages the list: a limited key sees all of its own schedules behind however many others", async () => {
    await deploy(
      "sched-pages",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await schedule("sched-pages")).id);
    const { key } = await json(
      await api("/v1/keys", { body: { name: "sched-pager", scopes: ["schedules:read"], functions: ["sched-pages"] } }),
    );
    const seen: string[] = [];
    for (let cursor = ""; ; ) {
      const page = await json(await api(`/v1/schedules?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key }));
      seen.push(...page.items.map((s: any) => s.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(mine.sort());
    const everyone = await json(await api("/v1/schedules?limit=200"));
    expect(everyone.items.length).toBeGreaterThan(3);
    expect((await json(await api("/v1/schedules?function=sched-pages"))).items.map((s: any) => s.id)).toEqual(mine);
    await expectProblem(await api("/v1/schedules?limit=0"), 400, "validation_failed");
  });
});
