// GET /v1/metrics with hostile or limited credentials: a key limited to some functions never sees
// another function's counts (not even in the totals or the "now" counts), names cannot inject SQL,
// and a key without runs:read gets nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ ok: z.boolean() }), run: (i) => { if (!i.ok) throw new Error("no"); return 1; } });`;

async function keyFor(scopes: string[], functions?: string[]): Promise<string> {
  const res = await api("/v1/keys", { body: { name: "metrics", scopes, ...(functions ? { functions } : {}) } });
  expect(res.status).toBe(201);
  return (await json(res)).key;
}

describe("metrics access", () => {
  let limited: string;
  beforeAll(async () => {
    await deploy("mine", CODE);
    await deploy("theirs", CODE);
    for (const [fn, ok] of [
      ["mine", true],
      ["theirs", false],
      ["theirs", false],
    ] as const)
      await waitForRun((await api(`/v1/tools/${fn}`, { body: { ok } })).headers.get("kiln-run-id")!);
    limited = await keyFor(["runs:read"], ["mine"]);
  });

  it("shows a limited key only its own functions, in every number", async () => {
    const m = await json(await api("/v1/metrics?window=1h", { key: limited }));
    expect(m.functions.map((f: any) => f.name)).toEqual(["mine"]);
    expect(m.totals).toMatchObject({ runs: 1, failed: 0 });
    expect(m.series.reduce((n: number, p: any) => n + p.succeeded + p.failed, 0)).toBe(1);
    expect(m.mostFailing).toEqual([]);
    expect(m.busiest).toEqual(["mine"]);
    const asked = await json(await api("/v1/metrics?window=1h&function=theirs", { key: limited }));
    expect(asked).toMatchObject({ functions: [], totals: { runs: 0 }, busiest: [], deadLetters: 0, waitingJobs: 0 });
    // The admin sees both.
    const all = await json(await api("/v1/metrics?window=1h"));
    expect(all.functions.map((f: any) => f.name).sort()).toEqual(["mine", "theirs"]);
  });

  it("refuses names that are not function names, and keys without runs:read", async () => {
    for (const name of ["a'--", "x%25", "theirs)%20or%20(1=1", "A".repeat(200)])
      await expectProblem(await api(`/v1/metrics?function=${name}`, { key: limited }), 400, "validation_failed");
    await expectProblem(await api("/v1/metrics", { key: await keyFor(["tools:call"]) }), 403, "forbidden");
    await expectProblem(await api("/v1/metrics", { key: null }), 401, "unauthorized");
  });
});
