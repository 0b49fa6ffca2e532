// Jobs: 202 with an id at once, then a durable run on Workflows with its live state in a
// Durable Object, steps memoized and retried, sleeps, events, cancellation, timeouts.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";
import { ended, job, startJob, waitForJob } from "../helpers/jobs";

const fast = async () => {
  const introspector = await introspectWorkflow(env.RUN_WORKFLOW);
  await introspector.modifyAll(async (m) => {
    await m.disableSleeps();
    await m.disableRetryDelays();
  });
  return introspector;
};

describe("jobs", () => {
  it("answers 202 with an id at once, then runs the steps durably to a result", async () => {
    await using _ = await fast();
    await deploy(
      "pipeline",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ n: z.number() }),
  async run({ n }, ctx) {
    const a = await ctx.step("double", () => n * 2);
    await ctx.sleep("cool down", "1 hour");
    const b = await ctx.step("add one", () => { ctx.log.info("adding", { a }); return a + 1; });
    return { result: b, run: ctx.run.trigger };
  },
});`,
    );
    const res = await api("/v1/jobs", { body: { function: "pipeline", input: { n: 20 } } });
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body).toMatchObject({ id: expect.stringMatching(/^run_/), status: "queued", statusUrl: `http://kiln.test/v1/jobs/${body.id}` });
    const done = await waitForJob(body.id, ended);
    expect(done).toMatchObject({ status: "succeeded", output: { result: 41, run: "job" }, trigger: "job", error: null });
    expect(done.steps.map((s: any) => [s.name, s.kind, s.status, s.attempt])).toEqual([
      ["double", "step", "succeeded", 1],
      ["cool down", "sleep", "succeeded", 1],
      ["add one", "step", "succeeded", 1],
    ]);
    expect(done.logs).toEqual([expect.objectContaining({ level: "info", message: "adding", step: "add one", data: '{"a":40}' })]);
  });
});

describe("job starts", () => {
  it("is idempotent per Idempotency-Key: same body → same job, one execution; other body → 409", async () => {
    await using introspector = await fast();
    await deploy(
      "once",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({ v: z.number() }), run: async ({ v }, ctx) => ctx.step("work", () => v) });`,
    );
    const headers = { "idempotency-key": "order-42" };
    const first = await api("/v1/jobs", { body: { function: "once", input: { v: 1 } }, headers });
    const second = await api("/v1/jobs", { body: { function: "once", input: { v: 1 } }, headers });
    const a = await json(first);
    const b = await json(second);
    expect([first.status, second.status]).toEqual([202, 200]);
    expect(b.id).toBe(a.id);
    await expectProblem(await api("/v1/jobs", { body: { function: "once", input: { v: 2 } }, headers }), 409, "conflict");
    const done = await waitForJob(a.id, ended);
    expect(done.steps.filter((s: any) => s.name === "work")).toHaveLength(1);
    expect((await introspector.get()).length).toBe(1);
    const runs = await env.DB.prepare("select count(*) as n from runs where idempotency_key = 'order-42'").first<{ n: number }>();
    expect(runs?.n).toBe(1);
  });

  it("validates before accepting: unknown function 404, bad input 400, disabled exposure 404", async () => {
    await deploy(
      "typed",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({ v: z.number() }), run: () => 1 });`,
    );
    await deploy(
      "tool-only",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), exposures: { job: false }, run: () => 1 });`,
    );
    await expectProblem(await api("/v1/jobs", { body: { function: "ghost", input: {} } }), 404, "not_found");
    const bad = await expectProblem(await api("/v1/jobs", { body: { function: "typed", input: { v: "x" } } }), 400, "validation_failed");
    expect(bad.issues).toEqual([{ path: "/input/v", message: expect.any(String) }]);
    await expectProblem(await api("/v1/jobs", { body: { function: "tool-only", input: {} } }), 404, "not_found");
    await expectProblem(
      await api("/v1/jobs", { body: { function: "typed" }, headers: { "idempotency-key": "has space" } }),
      400,
      "validation_failed",
    );
    const count = await env.DB.prepare("select count(*) as n from runs where function_name in ('typed', 'tool-only')").first<{
      n: number;
    }>();
    expect(count?.n).toBe(0);
  });

  it("delivers duplicate queue messages without starting a second run", async () => {
    await using introspector = await fast();
    await deploy(
      "dup",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: async (_, ctx) => ctx.step("s", () => 7) });`,
    );
    const id = await startJob("dup", {});
    await env.JOB_QUEUE.send({ runId: id });
    await env.JOB_QUEUE.send({ runId: id });
    await waitForJob(id, ended);
    await new Promise((r) => setTimeout(r, 300));
    expect((await introspector.get()).length).toBe(1);
    expect((await job(id)).steps).toHaveLength(1);
  });
});
