// Hostile `q` values for GET /v1/runs: FTS5 syntax in a search is plain text (never a query
// error, never a 500), and a key limited to some functions finds only their runs.
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, json, waitForRun } from "../helpers/api";
import { createKey } from "../helpers/oauth";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ note: z.string() }), run: (i) => { throw new Error("secretive " + i.note); } });`;

describe("runs search, hostile input", () => {
  beforeAll(async () => {
    await deploy("fts-mine", CODE);
    await deploy("fts-theirs", CODE);
    for (const fn of ["fts-mine", "fts-theirs"]) {
      const res = await api(`/v1/tools/${fn}`, { body: { note: "platypusword" } });
      await waitForRun(res.headers.get("kiln-run-id") ?? "");
    }
  });

  it("treats FTS5 operators, quotes and column filters as text", async () => {
    for (const q of [
      '"',
      '""',
      "platypusword OR x",
      "NEAR(a b)",
      "input:platypusword",
      "^platypusword",
      "-x",
      "*",
      "a AND",
      "(",
      "'; drop table runs; --",
      "\u0000",
      "✓✓✓",
    ]) {
      const res = await api(`/v1/runs?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      const counts = await api(`/v1/runs/counts?q=${encodeURIComponent(q)}`);
      expect(counts.status, q).toBe(200);
    }
    // The column-filter form finds nothing special: "input platypusword" as a phrase is not in any run.
    expect((await json(await api("/v1/runs?q=input:platypusword"))).items).toEqual([]);
  });

  it("a key limited to one function finds only that function's runs", async () => {
    const key = await createKey({ name: "fts-reader", scopes: ["runs:read"], functions: ["fts-mine"] });
    const found = await json(await api("/v1/runs?q=platypusword", { key: key.key }));
    expect(found.items.map((r: { function: string }) => r.function)).toEqual(["fts-mine"]);
    const counts = await json(await api("/v1/runs/counts?q=secretive", { key: key.key }));
    expect(counts.counts).toEqual({ failed: 1 });
  });
});
