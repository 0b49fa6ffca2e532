// Inputs and outputs over 64 KiB and step results over 2,000 characters, of tool runs and jobs:
// kept whole in R2 (the row holds a marker with a preview), returned whole by
// GET /v1/runs/:id/payload/:part and GET /v1/runs/:id/steps/:index/result, used by replay (the
// replayed job gets exactly the same input), and deleted with their run by the retention sweep.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { paramsInput } from "../../workers/jobs/start-workflow";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { getRun, type RunRow } from "../../workers/lib/infra/db/runs.repo";
import { sweepRetention } from "../../workers/schedules/retention";
import { api, deploy, json, waitForRun } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ blob: z.string(), n: z.number() }), run: (i) => i });`;

/** About 800 KB of JSON (the tool-call body limit is 1 MiB), with escapes and non-ASCII text. */
function bigInput() {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < 700_000; i++) {
    parts.push(`line ${i} "quoted" \\ tab\t ünïcödé ✓ ${(i * 7919) % 104729}\n`);
    length += parts[i]?.length ?? 0;
  }
  return { blob: parts.join(""), n: 42 };
}

describe("large payloads in R2", () => {
  it("keeps a large input and output whole, returns them, replays the input exactly and deletes them with the run", async () => {
    await deploy("big-echo", CODE, { retries: { limit: 0, delayMs: 0, backoff: "constant" } });
    const input = bigInput();
    const sent = JSON.stringify(input);
    const res = await api("/v1/tools/big-echo", { rawBody: sent, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const runId = res.headers.get("kiln-run-id") ?? "";
    const run = await waitForRun(runId);
    // The run's view holds the marker with a preview, not the megabyte.
    expect(run.input["kiln:truncated"]).toBe(true);
    expect(run.input.object).toBe(`runs/${runId}/input`);

    const whole = await vi_waitForPayload(runId, "input");
    expect(whole).toBe(sent);
    expect(JSON.parse(await vi_waitForPayload(runId, "output"))).toEqual(input);
    const replay = await api(`/v1/runs/${runId}/replay`, { body: {} });
    expect(replay.status).toBe(202);
    const replayId = (await json(replay)).id;
    await waitForJob(replayId, ended);
    const replayed = await json(await api(`/v1/runs/${replayId}`));
    // The job's own input is over 64 KiB too: a marker in its row, the whole in R2.
    expect(replayed.input.object).toBe(`runs/${replayId}/input`);
    expect(await vi_waitForPayload(replayId, "input")).toBe(sent);
    expect(replayed.status).toBe("succeeded");

    await sweepRetention(env, database(env.DB), Date.now() + 31 * 86_400_000);
    expect(await env.PAYLOADS.head(`runs/${runId}/input`)).toBeNull();
    expect(await env.PAYLOADS.head(`runs/${runId}/output`)).toBeNull();
    expect((await api(`/v1/runs/${runId}`)).status).toBe(404);
  });

  it("keeps a job's large input, output and step result whole, live and ended, and deletes them all with the run", async () => {
    await deploy(
      "big-job",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ blob: z.string(), n: z.number() }),
  exposures: { tool: false, job: true },
  async run(i, ctx) {
    const copy = await ctx.step("copy", () => ({ ...i, copied: true }));
    await ctx.step("medium", () => ({ text: "m".repeat(10_000) }));
    await ctx.step("small", () => 1);
    await ctx.waitForEvent("go", { type: "go" });
    await ctx.waitForEvent("again", { type: "again" });
    return { ...copy, n: 2 };
  },
});`,
      { retries: { limit: 0, delayMs: 0, backoff: "constant" } },
    );
    const input = { blob: bigInput().blob.slice(0, 200_000), n: 1 };
    const id = await startJob("big-job", input);
    await waitForJob(id, (j) => j.status === "waiting");
    // While the job waits, the step's record (in its Durable Object) holds the marker; the route reads it there.
    const live = await api(`/v1/runs/${id}/steps/0/result`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ...input, copied: true });
    expect((await api(`/v1/jobs/${id}/events`, { body: { type: "go", payload: { note: "e".repeat(3000) } } })).status).toBe(202);
    await waitForJob(id, (j) => j.status === "waiting" && j.waitingFor === "again");
    // A replay of run() passes the first wait again: its payload's object is written again, not added.
    const instance = await env.RUN_WORKFLOW.get(id);
    await instance.pause();
    await instance.resume();
    expect((await api(`/v1/jobs/${id}/events`, { body: { type: "again", payload: null } })).status).toBe(202);
    await waitForJob(id, ended);

    const run = await json(await api(`/v1/runs/${id}`));
    expect(run.status).toBe("succeeded");
    expect(run.input).toMatchObject({ "kiln:truncated": true, object: `runs/${id}/input` });
    expect(run.output).toMatchObject({ "kiln:truncated": true, object: `runs/${id}/output` });
    const marker = JSON.parse(run.steps[0].output);
    expect(marker["kiln:truncated"]).toBe(true);
    expect(marker.object).toMatch(new RegExp(`^runs/${id}/steps/stp_`));
    expect(JSON.parse(await vi_waitForPayload(id, "input"))).toEqual(input);
    expect(JSON.parse(await vi_waitForPayload(id, "output"))).toEqual({ ...input, copied: true, n: 2 });
    expect(await json(await api(`/v1/runs/${id}/steps/0/result`))).toEqual({ ...input, copied: true });
    // A result longer than a trace's preview (2,000 characters) is whole in R2 too, its record a marker.
    expect(JSON.parse(run.steps[1].output)).toMatchObject({ "kiln:truncated": true, characters: 10_011 });
    expect(await json(await api(`/v1/runs/${id}/steps/1/result`))).toEqual({ text: "m".repeat(10_000) });
    // A small result is returned as stored; a wait's result is its event's payload; there is no step 9.
    expect(await json(await api(`/v1/runs/${id}/steps/2/result`))).toBe(1);
    expect(await json(await api(`/v1/runs/${id}/steps/3/result`))).toEqual({ note: "e".repeat(3000) });
    expect((await api(`/v1/runs/${id}/steps/9/result`)).status).toBe(404);

    expect((await env.PAYLOADS.list({ prefix: `runs/${id}/` })).objects).toHaveLength(5);
    await sweepRetention(env, database(env.DB), Date.now() + 31 * 86_400_000);
    expect((await env.PAYLOADS.list({ prefix: `runs/${id}/` })).objects).toHaveLength(0);
    // The job's Durable Object (its live state and whole step results) goes with it.
    expect(await env.JOB.getByName(id).snapshot()).toBeNull();
    expect(await env.JOB.getByName(id).stepResults()).toEqual({});
  });

  it("gives a job's Workflow the key of a large input, not the input; a job whose object is gone fails without running", async () => {
    // One slot: the second job waits in line (before its input is read) while the first holds it.
    await deploy(
      "big-gated",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ blob: z.string(), n: z.number() }),
  exposures: { tool: false, job: true },
  concurrency: 1,
  async run(i, ctx) {
    await ctx.step("ran", () => i.n);
    if (i.n === 1) await ctx.waitForEvent("go", { type: "go" });
    return i.n;
  },
});`,
      { retries: { limit: 0, delayMs: 0, backoff: "constant" } },
    );
    const first = await startJob("big-gated", { blob: "small", n: 1 });
    await waitForJob(first, (j) => j.status === "waiting");
    const big = { blob: bigInput().blob.slice(0, 100_000), n: 2 };
    const second = await startJob("big-gated", big);
    const db = database(env.DB);
    expect(paramsInput((await getRun(db, first)) as RunRow)).toEqual({ input: { blob: "small", n: 1 }, inputKey: null });
    expect(paramsInput((await getRun(db, second)) as RunRow)).toEqual({ input: null, inputKey: `runs/${second}/input` });
    await env.PAYLOADS.delete(`runs/${second}/input`);
    expect((await api(`/v1/jobs/${first}/events`, { body: { type: "go", payload: null } })).status).toBe(202);
    const failed = await waitForJob(second, ended);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ name: "InputMissing", message: "the job's input is no longer stored", retryable: false });
    // The function never ran: no step was recorded.
    expect((await json(await api(`/v1/runs/${second}`))).steps).toEqual([]);
    expect((await waitForJob(first, ended)).status).toBe("succeeded");
  });

  it("returns a small input as it is stored, and 404 for a run without output", async () => {
    await deploy("small-echo", CODE);
    const res = await api("/v1/tools/small-echo", { body: { blob: "hi", n: 1 } });
    const runId = res.headers.get("kiln-run-id") ?? "";
    await waitForRun(runId);
    const input = await api(`/v1/runs/${runId}/payload/input`);
    expect(input.headers.get("content-type")).toContain("application/json");
    expect(await input.json()).toEqual({ blob: "hi", n: 1 });
    expect((await api(`/v1/runs/${runId}/payload/other`)).status).toBe(404);
  });
});

/** The objects are written with the run record, just after the response. */
async function vi_waitForPayload(runId: string, part: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await api(`/v1/runs/${runId}/payload/${part}`);
    if (res.status === 200) return res.text();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${part} payload for ${runId}`);
}
