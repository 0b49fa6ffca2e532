// Nothing that crosses back from a user isolate (output, trace, logs, spans) is trusted: a
// function that poisons or floods its trace damages only its own run record, never another's.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { RunDetail, type Trace } from "../../workers/lib/contracts/runs";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { writeRunSoon } from "../../workers/lib/infra/db/run-writer";
import { getRun, getTrace, type RunRecord } from "../../workers/lib/infra/db/runs.repo";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const fn = (body: string, prelude = "") => `
import { defineFunction, z } from "kiln";
${prelude}
export default defineFunction({
  input: z.object({}).passthrough(),
  async run(input, ctx) { ${body} },
});`;

// Pushes junk into every array the SDK's async-local store can reach (whatever it holds).
const POISON = `
import { AsyncLocalStorage } from "node:async_hooks";
const junk = () => ({ level: "loud", message: null, data: { deep: "d".repeat(100_000) }, step: 7, at: "now",
  name: "n".repeat(100_000), kind: 5, status: "bogus", attempt: "one", startedAt: null, output: "o".repeat(200_000),
  method: null, host: 42, path: ["x"], durationMs: "slow", error: { not: "text" } });
function poison(value, depth) {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) { value.push(junk(), null, 5); return; }
  for (const key of Object.keys(value)) poison(value[key], depth + 1);
}
const original = AsyncLocalStorage.prototype.getStore;
AsyncLocalStorage.prototype.getStore = function () {
  const store = original.call(this);
  poison(store, 0);
  return store;
};`;

describe("a poisoned trace", () => {
  it("never costs another run its record: 30 honest calls next to poisoned ones are all stored", async () => {
    await deploy("honest", fn(`ctx.log.info("honest work"); return "fine";`));
    await deploy(
      "poisoner",
      fn(
        `ctx.log.info("x".repeat(100_000), { big: "d".repeat(1_000_000) });
         console.log("plain", null, 5);
         await ctx.step("s".repeat(100_000), () => "o".repeat(500_000));
         return "poisoned";`,
        POISON,
      ),
    );
    const calls = Array.from({ length: 36 }, (_, i) => api(`/v1/tools/${i % 6 === 0 ? "poisoner" : "honest"}`, { body: {} }));
    const responses = await Promise.all(calls);
    const honest = responses.filter((_, i) => i % 6 !== 0);
    expect(honest).toHaveLength(30);
    for (const res of honest) expect(res.status).toBe(200);
    const runs = await Promise.all(honest.map((res) => waitForRun(res.headers.get("kiln-run-id")!)));
    for (const run of runs) {
      expect(run).toMatchObject({ function: "honest", status: "succeeded", output: "fine" });
      expect(run.logs.map((l: any) => l.message)).toEqual(["honest work"]);
    }
    // The poisoned runs are stored too, with what could be kept, every field capped.
    const poisoned = responses[0]!;
    expect(poisoned.status).toBe(200);
    const run = await waitForRun(poisoned.headers.get("kiln-run-id")!);
    expect(run).toMatchObject({ function: "poisoner", status: "succeeded", output: "poisoned" });
    // Its huge data was cut to a preview: the API gives a marker object, never broken JSON text.
    const big = run.logs.find((l: any) => l.message.startsWith("xxxx"));
    expect(big.data).toMatchObject({ truncated: true, preview: expect.stringMatching(/^\{"big":"ddd/) });
    for (const line of run.logs) {
      expect(typeof line.message).toBe("string");
      expect(line.message.length).toBeLessThanOrEqual(8 * 1024 + 100);
      expect(JSON.stringify(line.data).length).toBeLessThanOrEqual(8 * 1024 + 200);
      expect(Number.isNaN(Date.parse(line.at))).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(line.level);
    }
    for (const step of run.steps) {
      expect(typeof step.name).toBe("string");
      expect(step.name.length).toBeLessThanOrEqual(300);
      expect((step.output ?? "").length).toBeLessThanOrEqual(8 * 1024 + 100);
    }
  });
});

describe("the run writer", () => {
  const run = (id: string): RunRecord => ({
    id,
    functionId: "fn_x",
    functionName: "x",
    versionId: "ver_x",
    versionNumber: 1,
    trigger: "tool",
    status: "succeeded",
    input: "{}",
    output: '"ok"',
    error: null,
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: null,
    createdAt: 1,
    startedAt: 1,
    endedAt: 2,
  });
  const line = (message: unknown) => ({ level: "info", message, data: null, step: null, at: 1 }) as Trace["logs"][number];

  it("stores every other run of a batch that fails, and the bad run without its trace, marked", async () => {
    const db = database(env.DB);
    const ids = ["run_w1", "run_w2", "run_w3"];
    const flushes = [
      writeRunSoon(db, run(ids[0]!), { steps: [], spans: [], logs: [line("fine")] }),
      // A row D1 refuses (what a trace that slipped past the caps would do): the batch fails.
      writeRunSoon(db, run(ids[1]!), { steps: [], spans: [], logs: [line(null)] }),
      writeRunSoon(db, run(ids[2]!), { steps: [], spans: [], logs: [line("also fine")] }),
    ];
    await Promise.all(flushes.filter(Boolean));
    const stored = await vi.waitUntil(async () => {
      const rows = await Promise.all(ids.map((id) => getRun(db, id)));
      return rows.every(Boolean) && rows;
    });
    expect(stored.map((r) => r?.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect((await getTrace(db, ids[0]!)).logs.map((l) => l.message)).toEqual(["fine"]);
    expect((await getTrace(db, ids[2]!)).logs.map((l) => l.message)).toEqual(["also fine"]);
    const marked = await getTrace(db, ids[1]!);
    expect(marked.logs).toEqual([
      expect.objectContaining({ level: "error", message: expect.stringMatching(/^\[kiln\] this run's trace could not be stored/) }),
    ]);
  });

  it("answers a stored trace with impossible times and cut data in the API's shapes (ISO times, JSON data)", async () => {
    const db = database(env.DB);
    // What a patched SDK can report: finite times far outside Date's range, data cut mid-document.
    const trace: Trace = {
      steps: [{ name: "s", kind: "step", status: "succeeded", attempt: 1, startedAt: -1e300, endedAt: 1e300, error: null, output: null }],
      spans: [{ step: "s", method: "GET", host: "h", path: "/", status: 200, startedAt: 9e15, durationMs: 1, error: null }],
      logs: [
        { ...line("cut"), data: '{"big":"dd…', at: 1e300 },
        { ...line("whole"), data: '{"a":[1,2]}' },
      ],
    };
    await writeRunSoon(db, run("run_w_shapes"), trace);
    await vi.waitUntil(() => getRun(db, "run_w_shapes"));
    const res = await api("/v1/runs/run_w_shapes");
    expect(res.status).toBe(200);
    const detail = RunDetail.parse(await json(res));
    for (const t of [detail.steps[0]!.startedAt, detail.steps[0]!.endedAt!, detail.spans[0]!.startedAt, detail.logs[0]!.at])
      expect(t).toMatch(/^-?\d{4,6}-\d\d-\d\dT/);
    expect(detail.logs.map((l) => l.data)).toEqual([{ truncated: true, preview: '{"big":"dd…' }, { a: [1, 2] }]);
  });
});

describe("log and error volume", () => {
  it("keeps a run that logs 1,000 lines of 50 KB successful, with capped logs and a marker", async () => {
    await deploy("chatty", fn(`for (let i = 0; i < 1000; i++) console.log(i + ":" + "y".repeat(50_000)); return "done";`));
    const res = await api("/v1/tools/chatty", { body: {} });
    expect(res.status).toBe(200);
    expect(await json(res)).toBe("done");
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.status).toBe("succeeded");
    const text = run.logs.reduce((n: number, l: any) => n + l.message.length, 0);
    expect(text).toBeLessThanOrEqual(256 * 1024 + 1024);
    expect(run.logs[0].message.startsWith("0:yyyy")).toBe(true);
    expect(run.logs[0].message.length).toBeLessThanOrEqual(8 * 1024 + 100);
    expect(run.logs.at(-1).message).toMatch(/^\[kiln\] \d+ log lines dropped/);
  });

  it("fails a run that throws a 5 MB message with a truncated message, and nothing else breaks", async () => {
    await deploy("shouter", fn(`throw new Error("E".repeat(5 * 1024 * 1024));`));
    const res = await api("/v1/tools/shouter", { body: {} });
    const problem = await expectProblem(res, 502, "function_failed");
    expect(problem.detail.length).toBeLessThan(10_000);
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.status).toBe("failed");
    expect(run.error.message.startsWith("EEEE")).toBe(true);
    expect(run.error.message.length).toBeLessThanOrEqual(8 * 1024 + 100);
    await deploy("calm", fn(`return "fine";`));
    const next = await api("/v1/tools/calm", { body: {} });
    expect(await json(next)).toBe("fine");
  });
});

describe("a run that times out", () => {
  it("keeps the log lines, steps and spans recorded before it hung", async () => {
    await deploy(
      "stuck",
      fn(
        `ctx.log.info("before the hang");
         await ctx.step("prepare", () => "ready");
         try { await fetch("https://evil.example/x"); } catch {}
         console.log("still going");
         await new Promise((r) => setTimeout(r, 60_000));
         return "late";`,
      ),
      { timeoutMs: 1000 },
    );
    const res = await api("/v1/tools/stuck", { body: {} });
    await expectProblem(res, 504, "function_timeout");
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.status).toBe("timed_out");
    expect(run.logs.map((l: any) => l.message)).toEqual(["before the hang", "still going"]);
    expect(run.steps).toEqual([expect.objectContaining({ name: "prepare", status: "succeeded", output: '"ready"' })]);
    expect(run.spans).toEqual([expect.objectContaining({ host: "evil.example", status: 403 })]);
  });
});

describe("a run that crashes", () => {
  it("keeps the log lines and steps recorded before its promise stopped settling", async () => {
    await deploy(
      "wedged",
      fn(`await ctx.step("prepare", () => "ready");
          ctx.log.warn("about to wedge");
          await new Promise(() => {});
          return "never";`),
    );
    const res = await api("/v1/tools/wedged", { body: {} });
    await expectProblem(res, 502, "function_failed");
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.error.message).toMatch(/can never settle/);
    expect(run.steps).toEqual([expect.objectContaining({ name: "prepare", status: "succeeded" })]);
    expect(run.logs.map((l: any) => l.message)).toEqual(["about to wedge"]);
  });
});

describe("outbound calls", () => {
  const withUpstream = async (routes: Record<string, () => Response>, body: () => Promise<void>) => {
    const reached: string[] = [];
    const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      reached.push(url.host);
      const route = routes[url.host];
      if (!route) throw new Error(`unexpected outbound call to ${url.host}`);
      return route();
    });
    try {
      await body();
    } finally {
      upstream.mockRestore();
    }
    return reached;
  };

  it("records spans in Kiln: a function can neither skip them with the original fetch nor forge them", async () => {
    await deploy(
      "sneaky",
      fn(
        `const tries = {};
         const original = Object.getPrototypeOf(globalThis).fetch;
         try { await original.call(globalThis, "https://api.example.com/hidden"); tries.original = "reached"; }
         catch (e) { tries.original = "refused"; }
         try { const { connect } = await import("cloudflare:sockets"); const s = connect("api.example.com:443"); await s.opened; tries.connect = "reached"; }
         catch (e) { tries.connect = "refused"; }
         const res = await fetch("https://api.example.com/seen");
         tries.sdk = res.status;
         return tries;`,
        POISON.replaceAll(
          "value.push(junk(), null, 5)",
          'value.push({ step: null, method: "GET", host: "forged.example", path: "/", status: 200, startedAt: 1, durationMs: 1, error: null })',
        ),
      ),
      { egress: ["api.example.com"] },
    );
    let res!: Response;
    const reached = await withUpstream({ "api.example.com": () => Response.json({ ok: true }) }, async () => {
      res = await api("/v1/tools/sneaky", { body: {} });
    });
    expect(await json(res)).toEqual({ original: "refused", connect: "refused", sdk: 200 });
    expect(reached).toEqual(["api.example.com"]);
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.spans).toEqual([expect.objectContaining({ host: "api.example.com", path: "/seen", status: 200, error: null })]);
  });

  it("re-checks the allow-list at every redirect and reports the host actually refused", async () => {
    await deploy(
      "redirected",
      fn(
        `try { await fetch("https://api.example.com/start"); return "reached"; }
         catch (e) { return "blocked: " + e.message; }`,
      ),
      { egress: ["api.example.com"] },
    );
    let res!: Response;
    const reached = await withUpstream(
      {
        "api.example.com": () => new Response(null, { status: 302, headers: { location: "https://evil.example/steal" } }),
        "evil.example": () => Response.json({ stolen: true }),
      },
      async () => {
        res = await api("/v1/tools/redirected", { body: {} });
      },
    );
    expect(await json(res)).toBe(
      "blocked: egress to evil.example is not in this function's allow-list: add it to the manifest's \"egress\"",
    );
    expect(reached).toEqual(["api.example.com"]);
    const run = await waitForRun(res.headers.get("kiln-run-id")!);
    expect(run.spans).toEqual([
      expect.objectContaining({ host: "api.example.com", path: "/start", status: 302, error: null }),
      expect.objectContaining({ host: "evil.example", path: "/steal", status: 403, error: expect.stringContaining("allow-list") }),
    ]);
  });
});

describe("jobs", () => {
  it("record each step's spans in Kiln, and cap a step's flood of logs", async () => {
    await deploy(
      "job-caller",
      fn(
        `await ctx.step("call out", async () => {
           try { await fetch("https://evil.example/in-step"); } catch {}
           for (let i = 0; i < 1000; i++) console.log("z".repeat(50_000));
         });
         try { await fetch("https://evil.example/outside"); } catch {}
         return "done";`,
      ),
    );
    const id = await startJob("job-caller", {});
    const done = await waitForJob(id, ended);
    expect(done).toMatchObject({ status: "succeeded", output: "done" });
    const run = await waitForRun(id);
    expect(run.spans.map((s: any) => [s.step, s.host, s.path, s.status])).toEqual([
      ["call out", "evil.example", "/in-step", 403],
      [null, "evil.example", "/outside", 403],
    ]);
    const text = run.logs.reduce((n: number, l: any) => n + l.message.length, 0);
    expect(text).toBeLessThanOrEqual(256 * 1024 + 1024);
    expect(run.logs.at(-1).message).toMatch(/^\[kiln\] \d+ log lines dropped/);
  });
});
