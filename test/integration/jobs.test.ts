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
    expect(done.logs).toEqual([expect.objectContaining({ level: "info", message: "adding", step: "add one", data: { a: 40 } })]);
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

  it("starts a job from the tool URL with ?async=true or Prefer: respond-async", async () => {
    await using _ = await fast();
    await deploy(
      "both-ways",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({ n: z.number() }), run: async ({ n }, ctx) => ctx.step("square", () => n * n) });`,
    );
    const viaQuery = await api("/v1/tools/both-ways?async=true", { body: { n: 3 } });
    const viaPrefer = await api("/v1/tools/both-ways", { body: { n: 4 }, headers: { prefer: "respond-async, wait=0" } });
    expect([viaQuery.status, viaPrefer.status]).toEqual([202, 202]);
    const [a, b] = [await json(viaQuery), await json(viaPrefer)];
    expect(viaQuery.headers.get("location")).toBe(a.statusUrl);
    expect((await waitForJob(a.id, ended)).output).toBe(9);
    expect((await waitForJob(b.id, ended)).output).toBe(16);
    const bad = await expectProblem(await api("/v1/tools/both-ways?async=true", { body: { n: "x" } }), 400, "validation_failed");
    expect(bad.issues).toEqual([{ path: "/n", message: expect.any(String) }]);
    const toolOnly = (await json(await api("/v1/keys", { body: { name: "t", scopes: ["tools:call"] } }))).key;
    await expectProblem(await api("/v1/tools/both-ways?async=true", { body: { n: 1 }, key: toolOnly }), 403, "forbidden");
    expect(await json(await api("/v1/tools/both-ways", { body: { n: 5 }, key: toolOnly }))).toBe(25);
  });

  it("lists jobs (not tool calls) for a jobs:read key, newest first", async () => {
    await using _ = await fast();
    await deploy(
      "listed-job",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: async (_, ctx) => ctx.step("s", () => 1) });`,
    );
    const a = await startJob("listed-job", {});
    const b = await startJob("listed-job", {});
    await api("/v1/tools/listed-job", { body: {} });
    const key = (await json(await api("/v1/keys", { body: { name: "reader", scopes: ["jobs:read"] } }))).key;
    const page = await json(await api("/v1/jobs?function=listed-job", { key }));
    expect(page.items.map((r: any) => r.id)).toEqual([b, a]);
    await expectProblem(await api("/v1/runs", { key }), 403, "forbidden");
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

describe("durable steps", () => {
  it("retries a failing step by its policy without executing completed steps again", async () => {
    await using _ = await fast();
    await deploy(
      "flaky",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    const a = await ctx.step("prepare", () => { ctx.log.info("prepare ran"); return 5; });
    const b = await ctx.step("call api", ({ attempt }) => {
      ctx.log.info("api attempt " + attempt);
      if (attempt < 3) throw new Error("503 from upstream");
      return a * 10;
    }, { retries: 4 });
    return b;
  },
});`,
    );
    const done = await waitForJob(await startJob("flaky", {}), ended);
    expect(done.status).toBe("succeeded");
    expect(done.output).toBe(50);
    expect(done.steps.map((s: any) => [s.name, s.status, s.attempt, s.error])).toEqual([
      ["prepare", "succeeded", 1, null],
      ["call api", "failed", 1, "503 from upstream"],
      ["call api", "failed", 2, "503 from upstream"],
      ["call api", "succeeded", 3, null],
    ]);
    expect(done.logs.map((l: any) => l.message)).toEqual(["prepare ran", "api attempt 1", "api attempt 2", "api attempt 3"]);
  });

  it("fails the run with the step's name, error and attempts once retries are exhausted; NonRetriableError stops at once", async () => {
    await using _ = await fast();
    await deploy(
      "doomed",
      `import { defineFunction, NonRetriableError, z } from "kiln";
export default defineFunction({
  input: z.object({ fatal: z.boolean() }),
  retries: { limit: 2, delayMs: 1000, backoff: "exponential" },
  async run({ fatal }, ctx) {
    await ctx.step("ok", () => 1);
    return ctx.step("charge", () => { throw fatal ? new NonRetriableError("card stolen") : new Error("gateway down"); });
  },
});`,
    );
    const retried = await waitForJob(await startJob("doomed", { fatal: false }), ended);
    expect(retried).toMatchObject({
      status: "failed",
      error: { step: "charge", message: expect.stringContaining("gateway down"), retryable: true },
    });
    expect(retried.steps.filter((s: any) => s.name === "charge").map((s: any) => s.attempt)).toEqual([1, 2, 3]);
    const fatal = await waitForJob(await startJob("doomed", { fatal: true }), ended);
    expect(fatal).toMatchObject({
      status: "failed",
      error: { step: "charge", message: expect.stringContaining("card stolen"), retryable: false },
    });
    expect(fatal.steps.filter((s: any) => s.name === "charge")).toHaveLength(1);
  });

  it("waits for an event delivered through the API (human approval), and times out without one", async () => {
    await using _ = await fast();
    await deploy(
      "approval",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ amount: z.number() }),
  async run({ amount }, ctx) {
    await ctx.step("draft", () => amount);
    try {
      const decision = await ctx.waitForEvent("manager approval", { type: "approval", timeout: "2 seconds" });
      return { approved: decision.payload.ok, by: decision.payload.by };
    } catch (e) {
      return { approved: false, reason: e.message };
    }
  },
});`,
    );
    const id = await startJob("approval", { amount: 100 });
    const waiting = await waitForJob(id, (j) => j.status === "waiting");
    expect(waiting).toMatchObject({ waitingFor: "approval", currentStep: "manager approval" });
    // The lists read the stored run: it says waiting too, so the status filter finds it.
    for (const list of ["/v1/jobs", "/v1/runs"]) {
      const found = await json(await api(`${list}?status=waiting`));
      expect(found.items.map((r: any) => [r.id, r.status])).toContainEqual([id, "waiting"]);
      const running = await json(await api(`${list}?status=running`));
      expect(running.items.map((r: any) => r.id)).not.toContain(id);
    }
    await expectProblem(await api(`/v1/jobs/${id}/events`, { body: { type: "bad type!" } }), 400, "validation_failed");
    const sent = await api(`/v1/jobs/${id}/events`, { body: { type: "approval", payload: { ok: true, by: "dana" } } });
    expect(sent.status).toBe(202);
    const done = await waitForJob(id, ended);
    expect(done).toMatchObject({ status: "succeeded", output: { approved: true, by: "dana" } });
    expect((await json(await api("/v1/jobs?status=waiting"))).items.map((r: any) => r.id)).not.toContain(id);
    expect(done.steps.find((s: any) => s.kind === "wait")).toMatchObject({ name: "manager approval", status: "succeeded" });
    await expectProblem(await api(`/v1/jobs/${id}/events`, { body: { type: "approval" } }), 409, "conflict");

    const lonely = await waitForJob(await startJob("approval", { amount: 5 }), ended, 20_000);
    expect(lonely).toMatchObject({ status: "succeeded", output: { approved: false, reason: 'no "approval" event arrived in time' } });
    expect(lonely.steps.find((s: any) => s.kind === "wait")).toMatchObject({ status: "failed" });
  });

  it("cancels a job: status cancelled, no further step starts", async () => {
    await deploy(
      "long",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    await ctx.step("first", () => 1);
    await ctx.waitForEvent("go", { type: "go" });
    await ctx.step("second", () => 2);
    return "finished";
  },
});`,
    );
    const id = await startJob("long", {});
    await waitForJob(id, (j) => j.status === "waiting");
    const res = await api(`/v1/jobs/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "cancelled", error: { message: "cancelled by admin" } });
    await api(`/v1/jobs/${id}/events`, { body: { type: "go" } });
    await new Promise((r) => setTimeout(r, 500));
    const after = await job(id);
    expect(after.status).toBe("cancelled");
    expect(after.output).toBeNull();
    // What ran before the cancellation stays in the trace; the wait it was in reads cancelled.
    expect(after.steps.map((s: any) => [s.name, s.status])).toEqual([
      ["first", "succeeded"],
      ["go", "cancelled"],
    ]);
    expect(after.steps[1].endedAt).not.toBeNull();
    await expectProblem(await api(`/v1/jobs/${id}/cancel`, { method: "POST" }), 409, "conflict");
  });

  it("ends a job that outlives its jobTimeoutMs as timed_out", async () => {
    await deploy(
      "slowpoke",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  jobTimeoutMs: 1500,
  async run(_, ctx) {
    await ctx.step("quick", () => 1);
    await ctx.step("slow", () => new Promise((r) => setTimeout(r, 30_000)));
    return "late";
  },
});`,
    );
    const done = await waitForJob(await startJob("slowpoke", {}), ended, 15_000);
    expect(done).toMatchObject({ status: "timed_out", output: null });
    expect(done.error.message).toMatch(/did not finish within/);
  });
});
