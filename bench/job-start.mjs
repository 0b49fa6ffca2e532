// Suite "job-start": from `POST /v1/jobs` to the job's first step running, under `wrangler dev`,
// next to the Workflow engine alone (a bare Worker creates an instance whose one step returns the
// time it started). Bars: PRODUCT.md's p50 under 50 ms locally; issue 15's Kiln p50 within 1.25×
// the bare engine's. Jobs are started one at a time, alternating Kiln and bare; the first step's
// start time is read from the job's live state (same machine, same clock as the client).
import { quantile } from "./lib/measure.mjs";
import { ms, ratio, table } from "./lib/report.mjs";

const FN = "first-step";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ i: z.number() }), async run({ i }, ctx) { return ctx.step("first", () => i); } });`;
const BAR_P50_MS = 50;
const BAR_ENGINE_RATIO = 1.25;
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
    if (first) return { acceptedMs, firstStepMs: new Date(first.startedAt).getTime() - t0, status: body.status };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { error: `job ${accepted.body.id} did not reach its first step within ${TIMEOUT_MS} ms` };
}

/** One bare Workflow instance: create → its one step running, read from the step's own clock. */
async function startBare(bare) {
  const t0 = Date.now();
  const created = await fetch(`${bare.url}/wf`, { method: "POST" }).then((r) => r.json());
  const acceptedMs = Date.now() - t0;
  while (Date.now() - t0 < TIMEOUT_MS) {
    const status = await fetch(`${bare.url}/wf/${created.id}`).then((r) => r.json());
    if (status.status === "complete") return { acceptedMs, firstStepMs: status.output - t0 };
    if (status.status === "errored") return { error: `bare workflow ${created.id} errored: ${JSON.stringify(status.error)}` };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { error: `bare workflow ${created.id} did not run its step within ${TIMEOUT_MS} ms` };
}

export async function benchJobStart(ctx) {
  const kiln = await ctx.kiln();
  const deployed = await request(kiln, "/v1/functions", { method: "POST", body: JSON.stringify({ name: FN, code: CODE }) });
  if (deployed.status !== 201 && deployed.status !== 200) return { name: "job-start", failures: [`deploy answered ${deployed.status}`] };
  const count = Math.max(10, Math.round(ctx.duration * 5));
  const bare = await ctx.bare();
  const failures = [];
  // Warm-up: the isolate and both Workflow engines.
  for (let i = 0; i < 3; i++) await Promise.all([startOne(kiln, -1 - i), startBare(bare)]);
  ctx.log(`starting ${count} Kiln jobs and ${count} bare Workflow instances, one at a time, alternating`);
  const samples = { kiln: [], bare: [] };
  for (let i = 0; i < count; i++) {
    for (const [kind, r] of [
      ["kiln", await startOne(kiln, i)],
      ["bare", await startBare(bare)],
    ]) {
      if (r.error) failures.push(r.error);
      else samples[kind].push(r);
    }
  }
  const pick = (kind, key) => {
    const sorted = samples[kind].map((s) => s[key]).sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  };
  const figures = {
    jobs: samples.kiln.length,
    accepted: pick("kiln", "acceptedMs"),
    firstStep: pick("kiln", "firstStepMs"),
    bareEngine: { instances: samples.bare.length, accepted: pick("bare", "acceptedMs"), firstStep: pick("bare", "firstStepMs") },
  };
  const engineRatio = figures.firstStep.p50 / Math.max(1, figures.bareEngine.firstStep.p50);
  const verdict = (ok) => (ok ? "within" : "OVER");
  const summary = [
    `Job start: POST /v1/jobs → first step running, ${samples.kiln.length} jobs one at a time (ms resolution; clocks shared),`,
    `beside a bare Workflow (create → its one step running, ${samples.bare.length} instances) under its own wrangler dev.`,
    "",
    table([
      ["", "p50", "p99", "bar", "verdict"],
      ["Kiln: 202 Accepted answered", ms(figures.accepted.p50), ms(figures.accepted.p99), "", ""],
      [
        "Kiln: first step running",
        ms(figures.firstStep.p50),
        ms(figures.firstStep.p99),
        `p50 < ${BAR_P50_MS} ms`,
        verdict(figures.firstStep.p50 < BAR_P50_MS),
      ],
      ["bare: create answered", ms(figures.bareEngine.accepted.p50), ms(figures.bareEngine.accepted.p99), "", ""],
      ["bare: first step running", ms(figures.bareEngine.firstStep.p50), ms(figures.bareEngine.firstStep.p99), "", ""],
      ["Kiln / bare, first step p50", ratio(engineRatio), "", `≤ ${ratio(BAR_ENGINE_RATIO)}`, verdict(engineRatio <= BAR_ENGINE_RATIO)],
    ]),
  ].join("\n");
  return {
    name: "job-start",
    summary,
    failures,
    bar: { firstStepP50Ms: BAR_P50_MS, engineRatio: BAR_ENGINE_RATIO },
    engineRatio,
    ...figures,
  };
}
