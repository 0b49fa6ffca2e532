// ctx.invoke under attack: calling a function the manifest does not list, reaching past the
// credential that started the root run, a cycle of functions invoking each other, hostile input,
// planting a child's idempotency key, and reading children one may not see.
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const fnCode = (body: string, extra = "") => `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}).passthrough(),
  ${extra}
  async run(input, ctx) {
    ${body}
  },
});`;

async function runCount(fn: string): Promise<number> {
  return (await json(await api(`/v1/runs?function=${fn}&limit=200`))).items.length;
}

async function createKey(body: Record<string, unknown>): Promise<string> {
  const res = await api("/v1/keys", { body: { name: "limited", ...body } });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created.key;
}

describe("ctx.invoke permissions", () => {
  it("refuses a malformed `invokes` at deploy (code or manifest override)", async () => {
    const inCode = await api("/v1/functions", { body: { name: "bad-invokes", code: fnCode("return 1;", `invokes: ["Not A Name"],`) } });
    const body = await expectProblem(inCode, 400, "validation_failed");
    expect(JSON.stringify(body.issues)).toContain("/manifest/invokes/0");
    const inOverride = await api("/v1/functions", {
      body: { name: "bad-invokes", code: fnCode("return 1;"), manifest: { invokes: ["../x"] } },
    });
    await expectProblem(inOverride, 400, "validation_failed");
  });

  it("refuses, without starting anything, a call to a function not in `invokes` (job and tool)", async () => {
    await deploy("secret-target", fnCode("return 'reached';"));
    await deploy("sneaky", fnCode(`return ctx.invoke("secret-target", {});`, `invokes: ["other-fn"],`));
    const id = await startJob("sneaky", {});
    const done = await waitForJob(id, ended, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ step: "invoke secret-target", retryable: false });
    expect(done.error.message).toContain(`"sneaky" may not invoke "secret-target"`);
    const tool = await api("/v1/tools/sneaky", { body: {} });
    expect(tool.status).toBe(502);
    expect((await json(tool)).detail).toContain("may not invoke");
    expect(await runCount("secret-target")).toBe(0);
  });

  it("keeps every child within the functions of the credential that started the root run", async () => {
    await deploy("lim-b", fnCode("return 'b ran';"));
    await deploy("lim-a", fnCode(`return ctx.invoke("lim-b", {});`, `invokes: ["lim-b"],`));
    const key = await createKey({ scopes: ["jobs:write", "jobs:read", "tools:call", "runs:read"], functions: ["lim-a"] });
    const started = await api("/v1/jobs", { body: { function: "lim-a", input: {} }, key });
    expect(started.status).toBe(202);
    const { id } = await json(started);
    const done = await waitForJob(id, ended, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error.message).toContain("outside the functions the credential");
    const tool = await api("/v1/tools/lim-a", { body: {}, key });
    expect(tool.status).toBe(502);
    expect(await runCount("lim-b")).toBe(0);
    // The admin may: the same function then reaches lim-b.
    expect(await json(await api("/v1/tools/lim-a", { body: {} }))).toBe("b ran");
  });

  it("shows a run's children only to callers that may see their function", async () => {
    await deploy("vis-child", fnCode("return 1;"));
    await deploy("vis-parent", fnCode(`return ctx.invoke("vis-child", {});`, `invokes: ["vis-child"],`));
    const res = await api("/v1/tools/vis-parent", { body: {} });
    const runId = res.headers.get("kiln-run-id")!;
    await expect.poll(async () => (await json(await api(`/v1/runs/${runId}`))).children?.length ?? 0).toBe(1);
    const key = await createKey({ scopes: ["runs:read"], functions: ["vis-parent"] });
    const seen = await json(await api(`/v1/runs/${runId}`, { key }));
    expect(seen.children).toEqual([]);
  });

  it("refuses an Idempotency-Key that could impersonate a child (invoke: prefix)", async () => {
    await deploy("plain-job", fnCode("return 1;"));
    const res = await api("/v1/jobs", {
      body: { function: "plain-job", input: {} },
      headers: { "idempotency-key": "invoke:run_x:invoke plain-job" },
    });
    await expectProblem(res, 400, "validation_failed");
  });
});

describe("ctx.invoke bounds", () => {
  it("ends a cycle A → B → A in a job at the depth limit instead of running forever", async () => {
    await deploy("ping", fnCode(`return ctx.invoke("pong", {});`, `invokes: ["pong"],`));
    await deploy("pong", fnCode(`return ctx.invoke("ping", {});`, `invokes: ["ping"],`));
    const id = await startJob("ping", {});
    const done = await waitForJob(id, ended, 90_000);
    expect(done.status).toBe("failed");
    expect(done.error.message).toContain("nests deeper than 5 calls");
    // Root + 5 levels: six runs in the tree, then nothing more.
    await new Promise((r) => setTimeout(r, 300));
    expect((await runCount("ping")) + (await runCount("pong"))).toBe(6);
  }, 120_000);

  it("ends a cycle of tool calls at the depth limit", async () => {
    await deploy("tick", fnCode(`return ctx.invoke("tock", {});`, `invokes: ["tock"],`));
    await deploy("tock", fnCode(`return ctx.invoke("tick", {});`, `invokes: ["tick"],`));
    const res = await api("/v1/tools/tick", { body: {} });
    expect(res.status).toBe(502);
    expect((await json(res)).detail).toContain("nests deeper than 5 calls");
  });

  it("refuses hostile input to ctx.invoke (nesting beyond 64 levels) with a clear error", async () => {
    await deploy("deep-target", fnCode("return 1;"));
    await deploy(
      "deep-caller",
      fnCode(`let v = {}; for (let i = 0; i < 200; i++) v = { v }; return ctx.invoke("deep-target", v);`, `invokes: ["deep-target"],`),
    );
    const tool = await api("/v1/tools/deep-caller", { body: {} });
    expect(tool.status).toBe(502);
    expect((await json(tool)).detail).toContain("nests deeper than 64 levels");
    const id = await startJob("deep-caller", {});
    const done = await waitForJob(id, ended, 30_000);
    expect(done.error.message).toContain("nests deeper than 64 levels");
    expect(await runCount("deep-target")).toBe(0);
  });
});
