// Daylight-saving changes through the real tick (onCron), not only the pure slot planner: a
// Europe/Berlin "30 2 * * *" schedule ticked at every instant of the 2027 transitions that could
// fire wrongly. In its own file, so the 2027 ticks meet no other test's schedules or jobs.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { api, deploy, json } from "../helpers/api";

async function tick(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("schedules across daylight-saving changes", () => {
  it("fires through the tick across Berlin's 2027 daylight-saving changes: no slot lost in spring, none doubled in autumn", {
    timeout: 60_000,
  }, async () => {
    await deploy(
      "sched-dst",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    // The ticks span seven months: keep the runs from retention's 30-day default meanwhile.
    expect((await api("/v1/functions/sched-dst/retention", { method: "PUT", body: { days: 3650 } })).status).toBe(200);
    const created = await api("/v1/schedules", {
      body: { name: "dst", function: "sched-dst", cron: "30 2 * * *", timezone: "Europe/Berlin", overlap: "allow" },
    });
    const { id } = await json(created);
    // Ticks at every instant that could wrongly fire, not only at the right ones.
    for (const at of [
      "2027-03-27T01:30:00Z", // 02:30 CET, the newest slot missed since creation (catch-up latest)
      "2027-03-28T01:00:00Z", // 02:30 does not exist that night: the slot is 03:00 CEST
      "2027-03-28T01:30:00Z", // 03:30 CEST: nothing more that day
      "2027-03-29T00:30:00Z", // 02:30 CEST
      "2027-10-31T00:30:00Z", // 02:30 CEST, the first of the two 02:30s
      "2027-10-31T01:30:00Z", // 02:30 CET, the same wall time again: not a second slot
      "2027-11-01T01:30:00Z", // 02:30 CET
    ])
      await tick(Date.parse(at));
    // Each slot's run carries the slot in its idempotency key (sched:<id>:<slot>). The jobs are not
    // awaited: ticks in 2027 also time out anything still running by then, which is not the point here.
    const runs = (await json(await api(`/v1/schedules/${id}`))).recentRuns;
    const keys = await Promise.all(runs.map(async (r: any) => (await json(await api(`/v1/runs/${r.id}`))).idempotencyKey));
    expect(keys.map((k: string) => k.replace(`sched:${id}:`, "")).sort()).toEqual([
      "2027-03-27T01:30:00.000Z",
      "2027-03-28T01:00:00.000Z",
      "2027-03-29T00:30:00.000Z",
      "2027-10-31T00:30:00.000Z",
      "2027-11-01T01:30:00.000Z",
    ]);
  });
});
