// Text search of runs (GET /v1/runs?q=) through the FTS5 index: words of the function name, the
// error message and the input; a trailing "*" for a prefix; a run id by its start; newest first
// with a cursor; counts for the same search; and a run's error set when a job ends is found.
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, json, waitForRun } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ ok: z.boolean(), note: z.string() }), run: (i) => { if (!i.ok) throw new Error("gateway refused " + i.note); return i.note; } });`;

const ids = async (query: string): Promise<string[]> => (await json(await api(`/v1/runs?${query}`))).items.map((r: { id: string }) => r.id);

describe("runs text search", () => {
  const runs: string[] = [];
  beforeAll(async () => {
    await deploy("searchable-alpha", CODE);
    await deploy("searchable-beta", CODE);
    for (const [fn, ok, note] of [
      ["searchable-alpha", true, "zebracorn invoice"],
      ["searchable-alpha", false, "quokkaplan"],
      ["searchable-beta", true, "zebracorn refund"],
      ["searchable-beta", false, "zebracorn"],
    ] as const) {
      const res = await api(`/v1/tools/${fn}`, { body: { ok, note } });
      runs.push(res.headers.get("kiln-run-id") ?? "");
      await waitForRun(runs.at(-1) ?? "");
    }
  });

  it("finds whole words of the input, the error message and the function name, newest first", async () => {
    expect(await ids("q=zebracorn")).toEqual([runs[3], runs[2], runs[0]]);
    expect(await ids("q=gateway%20refused%20quokkaplan")).toEqual([runs[1]]);
    expect(await ids("q=searchable-beta")).toEqual([runs[3], runs[2]]);
    // A word's start is not a word, unless asked for with "*".
    expect(await ids("q=zebrac")).toEqual([]);
    expect(await ids("q=zebrac*")).toEqual([runs[3], runs[2], runs[0]]);
  });

  it("combines with filters, pages with a cursor and counts the same search", async () => {
    expect(await ids("q=zebracorn&status=failed")).toEqual([runs[3]]);
    expect(await ids("q=zebracorn&function=searchable-alpha")).toEqual([runs[0]]);
    const page1 = await json(await api("/v1/runs?q=zebracorn&limit=2"));
    const page2 = await json(await api(`/v1/runs?q=zebracorn&limit=2&cursor=${page1.nextCursor}`));
    expect([...page1.items, ...page2.items].map((r: { id: string }) => r.id)).toEqual([runs[3], runs[2], runs[0]]);
    const counts = await json(await api("/v1/runs/counts?q=zebracorn"));
    expect(counts).toEqual({ counts: { succeeded: 2, failed: 1 }, capped: false });
  });

  it("finds a run by the start of its id", async () => {
    expect(await ids(`q=${runs[1]}`)).toEqual([runs[1]]);
    expect(await ids(`q=${runs[1]?.slice(0, 20)}&function=searchable-alpha`)).toContain(runs[1]);
  });

  it("finds a job by the error it ended with (indexed when the run is updated)", async () => {
    await deploy("searchable-job", CODE, { retries: { limit: 0, delayMs: 0, backoff: "constant" }, exposures: { tool: false, job: true } });
    const id = await startJob("searchable-job", { ok: false, note: "wombatfail" });
    await waitForJob(id, ended);
    expect(await ids("q=wombatfail")).toEqual([id]);
    expect(await ids("q=gateway%20refused%20wombatfail&status=failed")).toEqual([id]);
  });
});
