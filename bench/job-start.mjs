// Suite "job-start": from `POST /v1/jobs` to the job's first step running, under `wrangler dev`.
// PRODUCT.md's bar: p50 under 50 ms locally. Jobs are started one at a time; the first step's
// start time is read from the job's live state (same machine, same clock as the client).
import { quantile } from "./lib/measure.mjs";
import { ms, table } from "./lib/report.mjs";

const FN = "first-step";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ i: z.number() }), async run({ i }, ctx) { return ctx.step("first", () => i); } });`;
const BAR_P50_MS = 50;
const POLL_MS = 2;
const TIMEOUT_MS = 15_000;

async function request(kiln, path, init = {}) {
  const res = await fetch(`${kiln.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${kiln.adminKey}`, "content-type": "application/json", ...init.headers },
  });
  return { status: res.status, body: await res.json() };
}

/** One job: the 202's latency and the time until its first step started. */
async function startOne(kiln, i) {
  const t0 = Date.now();
  const accepted = await request(kiln, "/v1/jobs", { method: "POST", body: JSON.stringify({ function: FN, input: { i } }) });
  const acceptedMs = Date.now() - t0;
  if (accepted.status !== 202) return { error: `POST /v1/jobs answered ${accepted.status}: ${JSON.stringify(accepted.body)}` };
  while (Date.now() - t0 < TIMEOUT_MS) {
    const { body } = await request(kiln, `/v1/jobs/${accepted.body.id}`);
    const first = body.steps?.[0];
    if (first) return { acceptedMs, firstStepMs: first.startedAt - t0, status: body.status };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { error: `job ${accepted.body.id} did not reach its first step within ${TIMEOUT_MS} ms` };
}

export async function benchJobStart(ctx) {
  const kiln = await ctx.kiln();
  const deployed = await request(kiln, "/v1/functions", { method: "POST", body: JSON.stringify({ name: FN, code: CODE }) });
  if (deployed.status !== 201) return { name: "job-start", failures: [`deploy answered ${deployed.status}`] };
  const count = Math.max(10, Math.round(ctx.duration * 5));
  const failures = [];
  for (let i = 0; i < 3; i++) await startOne(kiln, -1 - i); // warm-up: the isolate and the Workflow engine
  ctx.log(`starting ${count} jobs one at a time`);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const r = await startOne(kiln, i);
    if (r.error) failures.push(r.error);
    else samples.push(r);
  }
  const sorted = (key) => samples.map((s) => s[key]).sort((a, b) => a - b);
  const first = sorted("firstStepMs");
  const accepted = sorted("acceptedMs");
  const figures = {
    jobs: samples.length,
    accepted: { p50: quantile(accepted, 0.5), p99: quantile(accepted, 0.99) },
    firstStep: { p50: quantile(first, 0.5), p99: quantile(first, 0.99) },
  };
  const verdict = figures.firstStep.p50 < BAR_P50_MS ? "within" : "OVER";
  const summary = [
    `Job start: POST /v1/jobs → first step running, ${samples.length} jobs one at a time (ms resolution; clocks shared).`,
    "",
    table([
      ["", "p50", "p99", "bar", "verdict"],
      ["202 Accepted answered", ms(figures.accepted.p50), ms(figures.accepted.p99), "", ""],
      ["first step running", ms(figures.firstStep.p50), ms(figures.firstStep.p99), `p50 < ${BAR_P50_MS} ms`, verdict],
    ]),
  ].join("\n");
  return { name: "job-start", summary, failures, bar: { firstStepP50Ms: BAR_P50_MS }, ...figures };
}
