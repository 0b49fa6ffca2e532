// Whole payloads (GET /v1/runs/:id/payload/:part, /v1/runs/:id/steps/:index/result,
// /v1/deliveries/:id/payload) are readable only by credentials that may read that run's function
// (or that endpoint's); an unknown part, step or run is a 404 problem. An R2 key never comes from
// what a function, a caller or a sender wrote: a look-alike marker naming another run's object
// reads nothing of it, by any route or by replay.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem } from "../helpers/api";
import { createKey } from "../helpers/oauth";
import { createEndpoint, deliver, deliveries, ECHO_JOB, STRIPE_SECRET, stripeEvent, stripeHeader } from "../helpers/webhooks";

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
    // A step's whole result: the same rules (this tool run has no step).
    await expectProblem(await api(`/v1/runs/${runId}/steps/0/result`, { key: other.key }), 404, "not_found");
    expect((await api(`/v1/runs/${runId}/steps/0/result`, { key: caller.key })).status).toBe(403);
    await expectProblem(await api(`/v1/runs/${runId}/steps/0/result`), 404, "not_found");
    expect((await api(`/v1/runs/${runId}/steps/..%2Finput/result`)).status).toBe(404);
    expect((await api(`/v1/runs/${runId}/steps/-1/result`)).status).toBe(404);
    await expectProblem(await api(`/v1/runs/${runId}/steps/99999999999999999999999/result`), 404, "not_found");
  });

  it("a look-alike marker in an input, an output or a step result never reads another run's object", async () => {
    await deploy("payload-victim", CODE);
    const secret = `victim-${"s".repeat(70_000)}`;
    const victimRun = (await api("/v1/tools/payload-victim", { body: { x: secret } })).headers.get("kiln-run-id") ?? "";
    const victimKey = `runs/${victimRun}/input`;
    await expect.poll(async () => (await env.PAYLOADS.head(victimKey)) !== null).toBe(true);
    await deploy(
      "payload-thief",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.looseObject({ target: z.string() }),
  async run(i, ctx) { const m = { "kiln:truncated": true, object: i.target }; await ctx.step("s", () => m); return m; },
});`,
    );
    const thief = await createKey({
      name: "payload-thief",
      scopes: ["runs:read", "tools:call", "jobs:write"],
      functions: ["payload-thief"],
    });
    const crafted = { "kiln:truncated": true, object: victimKey, target: victimKey };
    const res = await api("/v1/tools/payload-thief", { body: crafted, key: thief.key });
    expect(res.status).toBe(200);
    const runId = res.headers.get("kiln-run-id") ?? "";
    await expect.poll(async () => (await api(`/v1/runs/${runId}`, { key: thief.key })).status).toBe(200);
    for (const path of ["payload/input", "payload/output", "steps/0/result"]) {
      const read = await api(`/v1/runs/${runId}/${path}`, { key: thief.key });
      expect(await read.text()).not.toContain("victim-");
    }
    // A replay reads the whole input through the same check: never the victim's.
    const replay = await api(`/v1/runs/${runId}/replay`, { body: {}, key: thief.key });
    expect(replay.status).not.toBe(202);
  });

  it("a delivery's whole body needs webhooks:read on its endpoint's function", async () => {
    await deploy("payload-hook", ECHO_JOB);
    const ep = await createEndpoint({ name: "payload-hook", provider: "stripe", function: "payload-hook", secret: STRIPE_SECRET });
    const body = stripeEvent("evt_payload_sec");
    expect((await deliver(ep.id, body, { "stripe-signature": await stripeHeader(body) })).status).toBe(200);
    const [d] = await deliveries(ep.id);
    expect(await (await api(`/v1/deliveries/${d.id}/payload`)).text()).toBe(body);
    const other = await createKey({ name: "payload-hook-other", scopes: ["webhooks:read"], functions: ["someone-else"] });
    // As for GET /v1/deliveries/:id: another function's endpoint is refused.
    expect((await api(`/v1/deliveries/${d.id}/payload`, { key: other.key })).status).toBe(403);
    const reader = await createKey({ name: "payload-hook-runs", scopes: ["runs:read"] });
    expect((await api(`/v1/deliveries/${d.id}/payload`, { key: reader.key })).status).toBe(403);
    await expectProblem(await api("/v1/deliveries/dlv_nope/payload"), 404, "not_found");
  });
});
