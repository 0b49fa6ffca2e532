// /v1/schedules: create, list, get, update, pause, resume, trigger, delete, preview; 400s for a bad
// expression, zone or input; the schedules scopes.
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";

const FN = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ repo: z.string() }), async run(input) { return input.repo; } });`;

async function createKey(body: Record<string, unknown>): Promise<any> {
  const res = await api("/v1/keys", { body });
  expect(res.status).toBe(201);
  return json(res);
}

const base = {
  name: "hourly summary",
  function: "sched-summarize",
  cron: "0 9 * * 1-5",
  timezone: "Europe/Berlin",
  input: { repo: "a/b" },
};

describe("schedules API", () => {
  beforeAll(async () => {
    await deploy("sched-summarize", FN);
    await deploy(
      "sched-tool-only",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), exposures: { job: false }, run: () => 1 });`,
    );
  });

  it("creates with defaults, lists, gets, updates, pauses, resumes and deletes", async () => {
    const res = await api("/v1/schedules", { body: base });
    const created = await json(res);
    expect(res.status, JSON.stringify(created)).toBe(201);
    expect(created).toMatchObject({
      id: expect.stringMatching(/^sch_/),
      function: "sched-summarize",
      timezone: "Europe/Berlin",
      overlap: "skip",
      catchUp: "latest",
      jitterMs: 0,
      endAt: null,
      paused: false,
      input: { repo: "a/b" },
    });
    // The next fire is a weekday 09:00 in Berlin, shown with Berlin's offset.
    expect(created.nextFireAt).toMatch(/^\d{4}-\d\d-\d\dT09:00:00\+0[12]:00$/);
    const list = await json(await api("/v1/schedules"));
    expect(list.items.map((s: any) => s.id)).toContain(created.id);

    const patched = await json(
      await api(`/v1/schedules/${created.id}`, { method: "PATCH", body: { cron: "30 7 * * *", overlap: "allow" } }),
    );
    expect(patched).toMatchObject({ cron: "30 7 * * *", overlap: "allow", nextFireAt: expect.stringMatching(/T07:30:00\+0[12]:00$/) });

    const paused = await json(await api(`/v1/schedules/${created.id}/pause`, { method: "POST" }));
    expect(paused).toMatchObject({ paused: true, nextFireAt: null });
    const resumed = await json(await api(`/v1/schedules/${created.id}/resume`, { method: "POST" }));
    expect(resumed).toMatchObject({ paused: false, nextFireAt: expect.stringMatching(/T07:30:00/) });

    const detail = await json(await api(`/v1/schedules/${created.id}`));
    expect(detail).toMatchObject({ id: created.id, recentRuns: [], lastRun: null });

    expect((await api(`/v1/schedules/${created.id}`, { method: "DELETE" })).status).toBe(204);
    await expectProblem(await api(`/v1/schedules/${created.id}`), 404, "not_found");
    const audit = await json(await api(`/v1/audit?action=schedule.create`));
    expect(audit.items.map((e: any) => e.target)).toContain(created.id);
  });

  it("runs a schedule now and lists the run in its history", async () => {
    const { id } = await json(await api("/v1/schedules", { body: base }));
    const res = await api(`/v1/schedules/${id}/trigger`, { method: "POST" });
    const started = await json(res);
    expect(res.status, JSON.stringify(started)).toBe(202);
    const detail = await json(await api(`/v1/schedules/${id}`));
    expect(detail.recentRuns).toEqual([expect.objectContaining({ id: started.id, trigger: "manual" })]);
    expect(detail).toMatchObject({ lastRun: { id: started.id }, skippedSlots: 0 });
    expect(detail.recentRuns[0].url).toMatch(new RegExp(`/v1/jobs/${started.id}$`));
    expect(detail.counts.capped).toBe(false);
    expect(Object.values(detail.counts.byStatus)).toEqual([1]);
    // The runs and jobs lists filter by schedule.
    await api("/v1/jobs", { body: { function: "sched-summarize", input: { repo: "x/y" } } });
    for (const list of ["/v1/runs", "/v1/jobs"]) {
      const page = await json(await api(`${list}?schedule=${id}`));
      expect(page.items.map((r: any) => r.id)).toEqual([started.id]);
    }
  });

  it("answers 400 naming the field for a bad expression, zone or input, 404 for a function without job exposure", async () => {
    const bad = async (patch: Record<string, unknown>) =>
      expectProblem(await api("/v1/schedules", { body: { ...base, ...patch } }), 400, "validation_failed");
    expect((await bad({ cron: "61 9 * * *" })).issues).toEqual([{ path: "/cron", message: expect.stringMatching(/minute/) }]);
    expect((await bad({ cron: "* * * *" })).issues).toEqual([{ path: "/cron", message: expect.stringMatching(/5 fields/) }]);
    expect((await bad({ timezone: "Europe/Atlantis" })).issues).toEqual([{ path: "/timezone", message: expect.stringMatching(/IANA/) }]);
    expect((await bad({ input: { repo: 5 } })).issues[0].path).toBe("/input/repo");
    expect((await bad({ overlap: "queue" })).issues[0].path).toBe("/overlap");
    await expectProblem(await api("/v1/schedules", { body: { ...base, function: "sched-tool-only", input: {} } }), 404, "not_found");
  });

  it("previews the next fire times with the zone's offset", async () => {
    const res = await api(`/v1/schedules/preview?cron=${encodeURIComponent("0 9 * * *")}&tz=America/New_York&count=3`);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.fireTimes).toHaveLength(3);
    for (const at of body.fireTimes) expect(at).toMatch(/T09:00:00-0[45]:00$/);
    const bad = await expectProblem(await api("/v1/schedules/preview?cron=0+9+*+*+*&tz=Nowhere"), 400, "validation_failed");
    expect(bad.issues[0].path).toBe("/tz");
  });

  it("needs schedules:read to read and schedules:write to change", async () => {
    const reader = await createKey({ name: "sched-reader", scopes: ["schedules:read"] });
    const writer = await createKey({ name: "sched-writer", scopes: ["schedules:write"] });
    expect((await api("/v1/schedules", { key: reader.key })).status).toBe(200);
    await expectProblem(await api("/v1/schedules", { key: reader.key, body: base }), 403, "forbidden");
    await expectProblem(await api("/v1/schedules", { key: writer.key }), 403, "forbidden");
    const res = await api("/v1/schedules", { key: writer.key, body: base });
    expect(res.status).toBe(201);
    const { id } = await json(res);
    await expectProblem(await api(`/v1/schedules/${id}/pause`, { key: reader.key, method: "POST" }), 403, "forbidden");
  });
});
