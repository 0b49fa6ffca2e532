// Durability across a real restart of the local runtime: a job waiting for an event survives
// `wrangler dev` being stopped and started again on the same state, and its completed step is
// not executed again.
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalServer } from "../../scripts/local-server.mjs";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) {
    const first = await ctx.step("expensive", () => { ctx.log.info("expensive ran"); return 20; });
    const event = await ctx.waitForEvent("resume", { type: "resume" });
    return first + event.payload.add;
  },
});`;

describe("a job across a restart of the local runtime", () => {
  let server: any;
  afterAll(async () => server?.stop());

  it("resumes after its last completed step", async () => {
    server = await startLocalServer();
    const { persistTo, adminKey } = server;
    const call = async (path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const until = async (id: string, ok: (j: any) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const { body } = await call(`/v1/jobs/${id}`);
        if (ok(body)) return body;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`job ${id} never got there: ${JSON.stringify((await call(`/v1/jobs/${id}`)).body)}`);
    };
    expect((await call("/v1/functions", { name: "survivor", code: CODE })).status).toBe(201);
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
    const done = await until(id, (j) => ["succeeded", "failed", "cancelled", "timed_out"].includes(j.status));
    expect(done).toMatchObject({ status: "succeeded", output: 42 });
    expect(done.steps.filter((s: any) => s.name === "expensive")).toHaveLength(1);
    expect(done.logs.filter((l: any) => l.message === "expensive ran")).toHaveLength(1);
  });
});
