// A run's whole payload (GET /v1/runs/:id/payload/:part) is readable only by credentials that may
// read that run's function; an unknown part or run is a 404 problem.
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem } from "../helpers/api";
import { createKey } from "../helpers/oauth";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ x: z.string() }), run: (i) => i });`;

describe("run payloads", () => {
  it("are hidden from a key limited to another function, and need runs:read", async () => {
    await deploy("payload-owner", CODE);
    const res = await api("/v1/tools/payload-owner", { body: { x: "private" } });
    const runId = res.headers.get("kiln-run-id") ?? "";
    await expect.poll(async () => (await api(`/v1/runs/${runId}/payload/input`)).status).toBe(200);
    const other = await createKey({ name: "payload-other", scopes: ["runs:read"], functions: ["someone-else"] });
    await expectProblem(await api(`/v1/runs/${runId}/payload/input`, { key: other.key }), 404, "not_found");
    const caller = await createKey({ name: "payload-caller", scopes: ["tools:call"] });
    expect((await api(`/v1/runs/${runId}/payload/input`, { key: caller.key })).status).toBe(403);
    await expectProblem(await api("/v1/runs/run_nope/payload/input"), 404, "not_found");
    expect((await api(`/v1/runs/${runId}/payload/..%2F..%2Fsecret`)).status).toBe(404);
  });
});
