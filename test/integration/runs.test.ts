// The runs list: filters, text search, pagination newest first, and per-function visibility.
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ ok: z.boolean(), tag: z.string() }), run: (i) => { if (!i.ok) throw new Error("asked to fail " + i.tag); return i.tag; } });`;

describe("runs", () => {
  const ids: string[] = [];
  beforeAll(async () => {
    await deploy("runner", CODE);
    await deploy("other", CODE);
    for (const [fn, ok, tag] of [
      ["runner", true, "a1"],
      ["runner", false, "b2"],
      ["other", true, "c3"],
      ["runner", true, "d4"],
    ] as const) {
      const res = await api(`/v1/tools/${fn}`, { body: { ok, tag } });
      ids.push(res.headers.get("kiln-run-id")!);
      await waitForRun(ids.at(-1)!);
    }
  });

  it("lists newest first with filters by function, status and trigger", async () => {
    const all = await json(await api("/v1/runs"));
    expect(all.items.map((r: any) => r.id)).toEqual([...ids].reverse());
    const failed = await json(await api("/v1/runs?status=failed"));
    expect(failed.items.map((r: any) => r.id)).toEqual([ids[1]]);
    expect(failed.items[0].error.message).toBe("asked to fail b2");
    const other = await json(await api("/v1/runs?function=other&trigger=tool"));
    expect(other.items.map((r: any) => r.id)).toEqual([ids[2]]);
    expect((await json(await api("/v1/runs?trigger=job"))).items).toEqual([]);
  });

  it("searches text in ids, inputs and errors, treating wildcards literally", async () => {
    expect((await json(await api("/v1/runs?q=d4"))).items.map((r: any) => r.id)).toEqual([ids[3]]);
    expect((await json(await api("/v1/runs?q=asked%20to%20fail"))).items.map((r: any) => r.id)).toEqual([ids[1]]);
    expect((await json(await api("/v1/runs?q=%25"))).items).toEqual([]);
  });

  it("filters by time and paginates with a cursor", async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await json(await api(`/v1/runs?since=${encodeURIComponent(future)}`))).items).toEqual([]);
    const page1 = await json(await api("/v1/runs?limit=3"));
    expect(page1.items).toHaveLength(3);
    const page2 = await json(await api(`/v1/runs?limit=3&cursor=${page1.nextCursor}`));
    expect([...page1.items, ...page2.items].map((r: any) => r.id)).toEqual([...ids].reverse());
    expect(page2.nextCursor).toBeNull();
  });

  it("filters by a function-name prefix and counts runs per status for the same filter", async () => {
    const prefixed = await json(await api("/v1/runs?function=run*"));
    expect(prefixed.items.map((r: any) => r.id)).toEqual([ids[3], ids[1], ids[0]]);
    expect((await json(await api("/v1/runs?function=ot*"))).items.map((r: any) => r.id)).toEqual([ids[2]]);
    expect((await json(await api("/v1/runs?function=x*"))).items).toEqual([]);
    // A "*" inside a name is not a wildcard, and "%" / "_" are not LIKE patterns here.
    expect((await json(await api("/v1/runs?function=r%25*"))).items).toEqual([]);
    expect((await json(await api("/v1/runs?function=r_nner"))).items).toEqual([]);

    expect(await json(await api("/v1/runs/counts"))).toEqual({ counts: { succeeded: 3, failed: 1 }, capped: false });
    // Counts answer "how many of each" for the filter, whatever status is selected.
    expect(await json(await api("/v1/runs/counts?function=runner&status=failed"))).toEqual({
      counts: { succeeded: 2, failed: 1 },
      capped: false,
    });
    expect(await json(await api("/v1/runs/counts?q=asked%20to%20fail"))).toEqual({ counts: { failed: 1 }, capped: false });
  });

  it("refuses bad filters and hides runs of functions a key may not touch", async () => {
    await expectProblem(await api("/v1/runs?status=exploded"), 400, "validation_failed");
    await expectProblem(await api("/v1/runs?since=yesterday"), 400, "validation_failed");
    await expectProblem(await api("/v1/runs?limit=100000"), 400, "validation_failed");
    const key = (await json(await api("/v1/keys", { body: { name: "r", scopes: ["runs:read"], functions: ["other"] } }))).key;
    expect((await json(await api("/v1/runs", { key }))).items.map((r: any) => r.id)).toEqual([ids[2]]);
    // Counts and prefixes see only the key's functions too.
    expect(await json(await api("/v1/runs/counts", { key }))).toEqual({ counts: { succeeded: 1 }, capped: false });
    expect((await json(await api("/v1/runs?function=r*", { key }))).items).toEqual([]);
    await expectProblem(
      await api("/v1/runs/counts", { key: (await json(await api("/v1/keys", { body: { name: "j", scopes: ["jobs:read"] } }))).key }),
      403,
      "forbidden",
    );
    await expectProblem(await api(`/v1/runs/${ids[0]}`, { key }), 404, "not_found");
    await expectProblem(await api("/v1/runs/run_nope"), 404, "not_found");
  });
});

describe("run records under load", () => {
  it("records every one of many concurrent tool calls (written in batches after the responses)", async () => {
    await deploy("burst", CODE);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => api("/v1/tools/burst", { body: { ok: true, tag: `t${i}` } })));
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const ids = responses.map((r) => r.headers.get("kiln-run-id")!);
    const runs = await Promise.all(ids.map(waitForRun));
    expect(runs.map((r) => r.output).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `t${i}`).sort());
    const page = await json(await api("/v1/runs?function=burst&limit=200"));
    expect(page.items).toHaveLength(40);
  });
});
