// ctx.invoke: functions calling functions. In a job each call is a durable step that starts a
// child job and waits for it; in a tool call it runs the other function at once. The run tree is
// in GET /v1/runs/:id (`children`, `rootRunId`).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, deploy, json, waitForRun } from "../helpers/api";
import { ended, job, startJob, waitForJob } from "../helpers/jobs";

const fnCode = (body: string, extra = "") => `import { defineFunction, NonRetriableError, z } from "kiln";
export default defineFunction({
  input: z.object({ n: z.number().default(0) }).passthrough(),
  ${extra}
  async run(input, ctx) {
    ${body}
  },
});`;

async function runsOf(fn: string): Promise<any[]> {
  return (await json(await api(`/v1/runs?function=${fn}&limit=200`))).items;
}

describe("ctx.invoke in a job", () => {
  it("fans out to 10 children in parallel and shows the tree in GET /v1/runs/:id", async () => {
    await deploy("fan-leaf", fnCode(`return ctx.step("square", () => input.n * input.n);`));
    await deploy(
      "fan-root",
      fnCode(
        `const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.invoke("fan-leaf", { n: i })));
    return outs.reduce((a, b) => a + b, 0);`,
        `invokes: ["fan-leaf"],`,
      ),
    );
    const id = await startJob("fan-root", {});
    const done = await waitForJob(id, ended, 60_000);
    expect(done).toMatchObject({ status: "succeeded", output: 285 });
    const detail = await json(await api(`/v1/runs/${id}`));
    expect(detail.rootRunId).toBe(id);
    expect(detail.children).toHaveLength(10);
    expect(detail.children.every((c: any) => c.function === "fan-leaf" && c.trigger === "invoke" && c.status === "succeeded")).toBe(true);
    expect(detail.children.every((c: any) => typeof c.durationMs === "number" && c.startedAt && c.endedAt)).toBe(true);
    expect(detail.steps.filter((s: any) => s.name.startsWith("invoke fan-leaf")).map((s: any) => s.status)).toEqual(
      Array(10).fill("succeeded"),
    );
    const child = await json(await api(`/v1/runs/${detail.children[3].id}`));
    // Parallel children start in any order: each one squares its own input.
    expect(child).toMatchObject({ parentRunId: id, rootRunId: id, trigger: "invoke" });
    expect(child.output).toBe(child.input.n * child.input.n);
    expect(child.steps.map((s: any) => s.name)).toEqual(["square"]);
  });

  it("does not start the child again when the parent is interrupted and replayed", async () => {
    await deploy("memo-child", fnCode(`return ctx.step("work", () => input.n + 1);`));
    await deploy(
      "memo-parent",
      fnCode(
        `const a = await ctx.invoke("memo-child", { n: 41 });
    let f;
    try { f = (await ctx.waitForEvent("go", { type: "go" })).payload.f; } catch { f = -1; }
    return a * f;`,
        `invokes: ["memo-child"],`,
      ),
    );
    const id = await startJob("memo-parent", {});
    await waitForJob(id, (j) => j.status === "waiting", 30_000);
    const instance = await env.RUN_WORKFLOW.get(id);
    await instance.pause();
    await instance.resume(); // the engine replays run() from the top
    await new Promise((r) => setTimeout(r, 500));
    await waitForJob(id, (j) => j.status === "waiting", 30_000);
    expect((await api(`/v1/jobs/${id}/events`, { body: { type: "go", payload: { f: 2 } } })).status).toBe(202);
    expect(await waitForJob(id, ended, 30_000)).toMatchObject({ status: "succeeded", output: 84 });
    // The counter: one run of the child, ever.
    expect((await runsOf("memo-child")).length).toBe(1);
  });

  it("fails the step with the child's error and run id, after starting a new child per retry", async () => {
    await deploy(
      "flaky-child",
      fnCode(
        `await ctx.step("call crm", () => { throw new Error("crm unavailable"); });`,
        `retries: { limit: 0, delayMs: 0, backoff: "constant" },`,
      ),
    );
    await deploy(
      "retrying-parent",
      fnCode(`return ctx.invoke("flaky-child", { n: 1 }, { retries: 1, retryDelayMs: 10 });`, `invokes: ["flaky-child"],`),
    );
    const id = await startJob("retrying-parent", {});
    const done = await waitForJob(id, ended, 60_000);
    const children = await runsOf("flaky-child");
    expect(children).toHaveLength(2);
    expect(children.every((c: any) => c.status === "failed" && c.parentRunId === id)).toBe(true);
    expect(done.status).toBe("failed");
    expect(done.error.step).toBe("invoke flaky-child");
    expect(done.error.message).toContain("crm unavailable");
    expect(done.error.message).toMatch(/\(run run_[A-Za-z0-9_]+\)/);
    const steps = done.steps.filter((s: any) => s.name === "invoke flaky-child");
    expect(steps.map((s: any) => [s.attempt, s.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
    ]);
  });

  it("cancels running children when the parent is cancelled", async () => {
    await deploy("slow-child", fnCode(`await ctx.waitForEvent("hold", { type: "never" }); return 1;`));
    await deploy("cancel-parent", fnCode(`return ctx.invoke("slow-child", {});`, `invokes: ["slow-child"],`));
    const id = await startJob("cancel-parent", {});
    const childId = await vi_waitForChild(id);
    await waitForJob(childId, (j) => j.status === "waiting", 30_000);
    expect((await api(`/v1/jobs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    expect((await waitForJob(childId, ended)).status).toBe("cancelled");
    expect((await job(childId)).error.message).toContain(id);
    expect((await job(id)).status).toBe("cancelled");
  });

  it("cancels a sibling still running when the parent fails on another child's error", async () => {
    await deploy("waiting-sibling", fnCode(`await ctx.waitForEvent("hold", { type: "never" }); return 1;`));
    await deploy(
      "failing-sibling",
      fnCode(`throw new NonRetriableError("bad ticket");`, `retries: { limit: 0, delayMs: 0, backoff: "constant" },`),
    );
    await deploy(
      "fan-parent",
      fnCode(
        `return Promise.all([ctx.invoke("waiting-sibling", {}), ctx.invoke("failing-sibling", {})]);`,
        `invokes: ["waiting-sibling", "failing-sibling"], retries: { limit: 0, delayMs: 0, backoff: "constant" },`,
      ),
    );
    const id = await startJob("fan-parent", {});
    const done = await waitForJob(id, ended, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error.message).toContain("bad ticket");
    // The parent's end cancels what its Promise.all left running.
    const [sibling] = await runsOf("waiting-sibling");
    expect((await waitForJob(sibling.id, ended, 30_000)).status).toBe("cancelled");
    expect((await job(sibling.id)).error.message).toContain(id);
  });

  it("cancels a child that runs past the call's timeout and fails the step", async () => {
    await deploy("stuck-child", fnCode(`await ctx.waitForEvent("hold", { type: "never" }); return 1;`));
    await deploy("impatient-parent", fnCode(`return ctx.invoke("stuck-child", {}, { timeout: 1500 });`, `invokes: ["stuck-child"],`));
    const id = await startJob("impatient-parent", {});
    const done = await waitForJob(id, ended, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error.message).toMatch(/did not finish within 1500 ms/);
    const [child] = await runsOf("stuck-child");
    expect(child).toMatchObject({ parentRunId: id, status: "cancelled" });
  });
});

async function vi_waitForChild(parentId: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const detail = await json(await api(`/v1/runs/${parentId}`));
    if (detail.children?.[0]) return detail.children[0].id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no child of ${parentId} appeared`);
}

describe("ctx.invoke in a tool call", () => {
  it("calls another function synchronously, as its own linked run", async () => {
    await deploy("tool-leaf", fnCode(`return { doubled: input.n * 2 };`));
    await deploy(
      "tool-root",
      fnCode(`const r = await ctx.invoke("tool-leaf", { n: input.n }); return r.doubled + 1;`, `invokes: ["tool-leaf"],`),
    );
    const res = await api("/v1/tools/tool-root", { body: { n: 20 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(41);
    const rootId = res.headers.get("kiln-run-id")!;
    const root = await waitForRun(rootId);
    expect(root.steps.map((s: any) => [s.name, s.status])).toEqual([["invoke tool-leaf", "succeeded"]]);
    const detail = await vi_waitUntilChildren(rootId);
    expect(detail.children).toEqual([expect.objectContaining({ function: "tool-leaf", trigger: "tool", status: "succeeded" })]);
    const leaf = await waitForRun(detail.children[0].id);
    expect(leaf).toMatchObject({ parentRunId: rootId, rootRunId: rootId, output: { doubled: 40 } });
  });

  it("counts the called function's time against the caller's timeoutMs", async () => {
    await deploy("tool-sleeper", fnCode(`await ctx.sleep("nap", 5000); return 1;`, `timeoutMs: 30000,`));
    await deploy("tool-hasty", fnCode(`return ctx.invoke("tool-sleeper", {});`, `invokes: ["tool-sleeper"], timeoutMs: 300,`));
    const res = await api("/v1/tools/tool-hasty", { body: {} });
    // The callee gets only what is left of the caller's 300 ms (not its own 30 s, in which its 5 s
    // nap would succeed): it times out. Which timer fires first, the callee's (502 naming it) or the
    // caller's (504), depends on the machine's load; either way the callee's run timed out.
    const problem = await res.json<any>();
    expect([502, 504], JSON.stringify(problem)).toContain(res.status);
    // When the callee's timer fired first, its run is recorded as a timed-out child of the caller.
    // (When the caller's fires first, whether the callee's record survives is not pinned down yet.)
    if (res.status === 502) {
      expect(problem.detail).toMatch(/invoked function "tool-sleeper" timed out \(run run_\w+\)/);
      const detail = await vi_waitUntilChildren(res.headers.get("kiln-run-id")!);
      expect(detail.children[0]).toMatchObject({ function: "tool-sleeper", status: "timed_out" });
    }
  });
});

async function vi_waitUntilChildren(id: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const detail = await json(await api(`/v1/runs/${id}`));
    if (detail.children?.length) return detail;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${id} has no children`);
}
