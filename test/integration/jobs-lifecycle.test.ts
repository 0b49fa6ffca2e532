// Jobs beyond one run: the concurrency limit, the dead-letter path and re-queue, replays,
// surviving an interruption, and live updates.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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

describe("concurrency limit", () => {
  it("runs at most `concurrency` jobs of a function; the rest wait in order", async () => {
    await deploy("gated", GATED);
    const ids = [await startJob("gated", { n: 1 }), await startJob("gated", { n: 2 }), await startJob("gated", { n: 3 })];
    await waitForJob(ids[0]!, (j) => j.status === "waiting");
    await new Promise((r) => setTimeout(r, 300));
    expect((await job(ids[1]!)).status).toBe("queued");
    expect((await job(ids[2]!)).status).toBe("queued");
    const line = await env.LIMITER.getByName("gated").snapshot();
    expect(line).toEqual({ limit: 1, running: [ids[0]], waiting: [ids[1], ids[2]] });

    for (const [i, id] of ids.entries()) {
      await waitForJob(id, (j) => j.status === "waiting");
      for (const later of ids.slice(i + 1)) expect((await job(later)).status).toBe("queued");
      expect((await api(`/v1/jobs/${id}/events`, { body: { type: "go" } })).status).toBe(202);
      await waitForJob(id, ended);
    }
    const done = await Promise.all(ids.map(job));
    expect(done.map((j) => [j.status, j.output])).toEqual([
      ["succeeded", 1],
      ["succeeded", 2],
      ["succeeded", 3],
    ]);
    expect(Date.parse(done[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(done[0].endedAt));
    expect(Date.parse(done[2].startedAt)).toBeGreaterThanOrEqual(Date.parse(done[1].endedAt));
    expect(await env.LIMITER.getByName("gated").snapshot()).toEqual({ limit: 1, running: [], waiting: [] });
  });

  it("frees the slot of a cancelled job for the next in line", async () => {
    await deploy("gated2", GATED);
    const first = await startJob("gated2", { n: 1 });
    const second = await startJob("gated2", { n: 2 });
    await waitForJob(first, (j) => j.status === "waiting");
    expect((await job(second)).status).toBe("queued");
    await api(`/v1/jobs/${first}/cancel`, { method: "POST" });
    await waitForJob(second, (j) => j.status === "waiting");
    await api(`/v1/jobs/${second}/events`, { body: { type: "go" } });
    expect(await waitForJob(second, ended)).toMatchObject({ status: "succeeded", output: 2 });
  });
});

describe("failures and replays", () => {
  it("lists failed jobs as dead letters, and re-queues one as a linked replay", async () => {
    await using introspector = await introspectWorkflow(env.RUN_WORKFLOW);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    await deploy(
      "brittle",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ id: z.string() }),
  retries: { limit: 1, delayMs: 10, backoff: "constant" },
  async run({ id }, ctx) {
    const order = await ctx.step("load order", () => { ctx.log.info("loading " + id); return { id, total: 30 }; });
    return ctx.step("ship", () => { throw new Error("carrier offline"); });
  },
});`,
    );
    const failedId = await startJob("brittle", { id: "o-1" });
    const failed = await waitForJob(failedId, ended);
    expect(failed).toMatchObject({ status: "failed", error: { step: "ship", message: expect.stringContaining("carrier offline") } });
    const dead = await json(await api("/v1/jobs/dead-letter"));
    expect(dead.items.map((r: any) => r.id)).toContain(failedId);

    // Fixed upstream: a new version, then replay from the failed step, reusing "load order".
    await deploy(
      "brittle",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ id: z.string() }),
  async run({ id }, ctx) {
    const order = await ctx.step("load order", () => { ctx.log.info("loading again"); return { id, total: -1 }; });
    return ctx.step("ship", () => ({ shipped: order.id, total: order.total }));
  },
});`,
    );
    const res = await api(`/v1/runs/${failedId}/replay`, { body: { fromFailedStep: true } });
    expect(res.status).toBe(202);
    const replay = await json(res);
    expect(replay.parentRunId).toBe(failedId);
    const done = await waitForJob(replay.id, ended);
    expect(done).toMatchObject({
      status: "succeeded",
      trigger: "replay",
      parentRunId: failedId,
      version: 2,
      input: { id: "o-1" },
      output: { shipped: "o-1", total: 30 },
    });
    expect(done.logs.map((l: any) => l.message)).not.toContain("loading again");
    // The reused results reached the replay through its Durable Object, not its Workflow params.
    expect(await env.JOB.getByName(replay.id).reusable()).toEqual({ "load order": { id: "o-1", total: 30 } });
    const after = await json(await api("/v1/jobs/dead-letter"));
    expect(after.items.map((r: any) => r.id)).not.toContain(failedId);

    const fresh = await json(await api(`/v1/runs/${failedId}/replay`, { method: "POST" }));
    expect(await waitForJob(fresh.id, ended)).toMatchObject({ status: "succeeded", output: { shipped: "o-1", total: -1 } });
    await expectProblem(await api("/v1/runs/run_missing/replay", { method: "POST" }), 404, "not_found");
  });

  it("marks a job whose start message exhausted its deliveries as failed (dead-letter queue)", async () => {
    await deploy(
      "orphan",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    const id = await startJob("orphan", {});
    await waitForJob(id, ended);
    // A start message for a queued run that the consumer cannot start (its version is gone).
    const runId = "run_00000000000000000000000001";
    await env.DB.prepare(
      "insert into runs (id, function_id, function_name, version_id, version_number, trigger, status, input, attempt, created_at) values (?, 'fn_x', 'orphan', 'ver_gone', 1, 'job', 'queued', '{}', 1, ?)",
    )
      .bind(runId, Date.now())
      .run();
    await env.JOB_QUEUE.send({ runId });
    const dead = await waitForJob(runId, ended, 15_000);
    expect(dead).toMatchObject({ status: "failed", error: { name: "StartFailed" } });
    expect((await json(await api("/v1/jobs/dead-letter"))).items.map((r: any) => r.id)).toContain(runId);
  });

  it("survives an interruption: the Workflow resumes and completed steps do not run again", async () => {
    await deploy(
      "resumable",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    const a = await ctx.step("expensive", () => { ctx.log.info("expensive ran"); return 21; });
    // Swallowing every error here must not let an aborted pass of run() record a wrong result.
    let factor;
    try { factor = (await ctx.waitForEvent("resume", { type: "continue" })).payload.factor; } catch { factor = -1; }
    return ctx.step("combine", () => a * factor);
  },
});`,
    );
    const id = await startJob("resumable", {});
    await waitForJob(id, (j) => j.status === "waiting");
    const firstStart = (await json(await api(`/v1/runs/${id}`))).startedAt;
    const instance = await env.RUN_WORKFLOW.get(id);
    await instance.pause();
    await instance.resume(); // the engine replays run() from the top
    await new Promise((r) => setTimeout(r, 300));
    await waitForJob(id, (j) => j.status === "waiting");
    await api(`/v1/jobs/${id}/events`, { body: { type: "continue", payload: { factor: 2 } } });
    const done = await waitForJob(id, ended);
    expect(done).toMatchObject({ status: "succeeded", output: 42 });
    expect(done.steps.filter((s: any) => s.name === "expensive")).toHaveLength(1);
    expect(done.logs.filter((l: any) => l.message === "expensive ran")).toHaveLength(1);
    // The replay kept the first pass's start, so the job's deadline did not move either.
    const start = await env.JOB.getByName(id).begin(id, Date.now(), 1);
    expect(new Date(start.startedAt).toISOString()).toBe(firstStart);
    expect(start.deadline - start.startedAt).toBe(24 * 3_600_000);
    expect((await json(await api(`/v1/runs/${id}`))).startedAt).toBe(firstStart);
  });
});

describe("live updates", () => {
  it("streams the job's state as Server-Sent Events until it ends", async () => {
    await deploy("streamed", GATED.replace("concurrency: 1,", ""));
    const id = await startJob("streamed", { n: 5 });
    await waitForJob(id, (j) => j.status === "waiting");
    const res = await api(`/v1/jobs/${id}/stream`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const first = await reader.read();
    text += decoder.decode(first.value);
    expect(text).toContain('"status":"waiting"');
    await api(`/v1/jobs/${id}/events`, { body: { type: "go" } });
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const states = text
      .split("\n\n")
      .filter((f) => f.startsWith("event: state"))
      .map((f) => JSON.parse(f.split("data: ")[1]!).status);
    expect(states.at(0)).toBe("waiting");
    expect(states.at(-1)).toBe("succeeded");
    await expectProblem(await api("/v1/jobs/run_nope/stream"), 404, "not_found");
  });
});
