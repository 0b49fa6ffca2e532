// Durability across a real restart of the local runtime: a job waiting for an event, and a job
// in a durable sleep, survive `wrangler dev` being stopped (or killed) and started again on the
// same state, and their completed steps are not executed again.
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalServer } from "../../scripts/local-server.mjs";

const WAITER = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    const first = await ctx.step("expensive", () => { ctx.log.info("expensive ran"); return 20; });
    const event = await ctx.waitForEvent("resume", { type: "resume" });
    return first + event.payload.add;
  },
});`;

const SLEEPER = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    const first = await ctx.step("before", () => { ctx.log.info("before ran"); return 20; });
    await ctx.sleep("nap", "6 seconds");
    return ctx.step("after", () => { ctx.log.info("after ran"); return first + 22; });
  },
});`;

const isEnded = (j: any) => ["succeeded", "failed", "cancelled", "timed_out"].includes(j.status);

/** Calls the current server; `server` is replaced by the restart, so it is read on each call. */
function client(current: () => any) {
  const call = async (path: string, body?: unknown) => {
    const server = current();
    const res = await fetch(`${server.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const until = async (id: string, ok: (j: any) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { body } = await call(`/v1/jobs/${id}`);
      if (ok(body)) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${id} never got there: ${JSON.stringify((await call(`/v1/jobs/${id}`)).body)}`);
  };
  return { call, until };
}

describe("a job across a restart of the local runtime", () => {
  let server: any;
  afterEach(async () => server?.dispose());
  const { call, until } = client(() => server);

  it("resumes after its last completed step", async () => {
    server = await startLocalServer();
    const { persistTo, adminKey } = server;
    expect((await call("/v1/functions", { name: "survivor", code: WAITER })).status).toBe(201);
    const started = await call("/v1/jobs", { function: "survivor", input: {} });
    expect(started.status).toBe(202);
    const id = started.body.id;
    await until(id, (j) => j.status === "waiting");

    await server.stop();
    server = await startLocalServer({ persistTo, adminKey, port: undefined });

    // Still known after the restart; the event wakes it and it finishes.
    expect((await call(`/v1/jobs/${id}`)).body.status).not.toBe("failed");
    const sent = await call(`/v1/jobs/${id}/events`, { type: "resume", payload: { add: 22 } });
    expect(sent.status).toBe(202);
    const done = await until(id, isEnded);
    expect(done).toMatchObject({ status: "succeeded", output: 42 });
    expect(done.steps.filter((s: any) => s.name === "expensive")).toHaveLength(1);
    expect(done.logs.filter((l: any) => l.message === "expensive ran")).toHaveLength(1);
  });

  // The local engine keeps a sleep's timer only in memory: after a crash the instance sleeps on
  // until the cron's sweep nudges it (README, Development). The ticker fires the cron every few
  // seconds here instead of every minute, to keep the test short.
  it("wakes a job that was sleeping when the runtime was killed, without running a step twice", { timeout: 90_000 }, async () => {
    server = await startLocalServer({ tickEveryMs: 2_000 });
    const { persistTo, adminKey } = server;
    expect((await call("/v1/functions", { name: "sleeper", code: SLEEPER })).status).toBe(201);
    const started = await call("/v1/jobs", { function: "sleeper", input: {} });
    expect(started.status).toBe(202);
    const id = started.body.id;
    await until(id, (j) => j.status === "waiting" && j.waitingFor === 'sleep "nap"');

    await server.kill();
    server = await startLocalServer({ persistTo, adminKey, port: undefined, tickEveryMs: 2_000 });

    // Woken by a nudge once its wake time is 30 s past (6 s of sleep + the sweep's grace).
    const done = await until(id, isEnded, 60_000);
    expect(done).toMatchObject({ status: "succeeded", output: 42 });
    for (const name of ["before", "nap", "after"]) expect(done.steps.filter((s: any) => s.name === name)).toHaveLength(1);
    expect(done.logs.filter((l: any) => l.message === "before ran")).toHaveLength(1);
    expect(done.logs.filter((l: any) => l.message === "after ran")).toHaveLength(1);
  });
});
