// Suite "webhook-ack": signed Stripe-style deliveries (a new event id each) to Kiln's
// /hooks/:endpointId and to a bare Worker that verifies the same HMAC and answers, at 1 and at 16
// connections, in the same run. Bar (issue 9): Kiln's acknowledgement p99 within 3× the bare
// Worker's at the same concurrency. Afterwards every acknowledged delivery must be stored and
// have reached a run: `acked N, stored N, runs N` (0 lost), or the run is broken. A third column
// sends the same deliveries to an endpoint whose event filter drops them after storing them: the
// acknowledgement without a job behind it, which shows how much of Kiln's figure is the job
// machinery sharing wrangler dev's one thread with the acknowledgements. A fourth sends them to the
// bare Worker at a path where it also starts a one-step Workflow after each answer: the least that
// running a Workflow per delivery costs the acknowledgements here.
import { createHmac, randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { call } from "./lib/api.mjs";
import { quantile } from "./lib/measure.mjs";
import { ms, ratio, table } from "./lib/report.mjs";

const FN = "webhook-sink";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ provider: z.string(), endpoint: z.string(), event: z.any() }),
  exposures: { tool: false, job: true },
  async run({ event }, ctx) { return ctx.step("ack", () => event.id); },
});`;
/** The bare Worker verifies with this secret too (bench/bare/index.ts). */
export const BENCH_STRIPE_SECRET = "whsec_kiln_bench_0123456789abcdef";
const CONNECTIONS = [1, 16];
const BAR_P99_RATIO = 3;

/** A signed delivery with a fresh event id, built per request (Stripe never repeats an id). */
function setupRequest(req, context) {
  const id = `evt_bench_${randomUUID()}`;
  const body = JSON.stringify({ id, object: "event", type: "checkout.session.completed", data: { object: { id: "cs_bench" } } });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", BENCH_STRIPE_SECRET).update(`${t}.${body}`).digest("hex");
  context.eventId = id;
  return { ...req, body, headers: { ...req.headers, "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
}

/** `amount` deliveries over `connections`; returns latencies and the event ids answered 200. */
async function deliver(url, connections, amount) {
  const acked = [];
  const latencies = [];
  const statusCodes = {};
  const instance = autocannon({
    url,
    method: "POST",
    connections,
    pipelining: 1,
    timeout: 10,
    amount,
    requests: [{ setupRequest, onResponse: (status, _body, context) => status === 200 && acked.push(context.eventId) }],
  });
  instance.on("response", (_c, status, _b, responseTime) => {
    latencies.push(responseTime);
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    acked,
    statusCodes,
    errors: result.errors,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    requests: latencies.length,
  };
}

/** How many of `acked` are stored deliveries, and (unless `withRuns` is false) how many of those have a run that exists. */
async function countStored(kiln, endpointId, acked, withRuns = true) {
  const wanted = new Set(acked);
  const stored = new Map();
  let cursor = "";
  for (;;) {
    const page = await call(kiln, "GET", `/v1/webhooks/${endpointId}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    for (const d of page.body.items) if (wanted.has(d.eventId)) stored.set(d.eventId, d.runId);
    if (!page.body.nextCursor) break;
    cursor = page.body.nextCursor;
  }
  let runs = 0;
  if (!withRuns) return { stored: stored.size, runs };
  for (const runId of stored.values()) if (runId && (await call(kiln, "GET", `/v1/runs/${runId}`)).status === 200) runs++;
  return { stored: stored.size, runs };
}

export async function benchWebhookAck(ctx) {
  const kiln = await ctx.kiln();
  const bare = await ctx.bare();
  const failures = [];
  const deployed = await call(kiln, "POST", "/v1/functions", { name: FN, code: CODE });
  if (deployed.status !== 201 && deployed.status !== 200) return { name: "webhook-ack", failures: [`deploy answered ${deployed.status}`] };
  const created = await call(kiln, "POST", "/v1/webhooks", {
    name: "bench",
    provider: "stripe",
    function: FN,
    secret: BENCH_STRIPE_SECRET,
  });
  if (created.status !== 201) return { name: "webhook-ack", failures: [`creating the endpoint answered ${created.status}`] };
  const filtered = await call(kiln, "POST", "/v1/webhooks", {
    name: "bench-filtered",
    provider: "stripe",
    function: FN,
    secret: BENCH_STRIPE_SECRET,
    events: ["no.such.event"],
  });
  if (filtered.status !== 201) return { name: "webhook-ack", failures: [`creating the filtered endpoint answered ${filtered.status}`] };
  const urls = {
    bare: `${bare.url}/hooks/bench`,
    bareWorkflow: `${bare.url}/hooks/with-workflow`,
    kiln: `${kiln.url}/hooks/${created.body.id}`,
    filtered: `${kiln.url}/hooks/${filtered.body.id}`,
  };
  const amount = Math.max(50, Math.round(ctx.duration * 40));
  const results = {};
  const ackedAll = [];
  const filteredAll = [];
  for (const connections of CONNECTIONS) {
    for (const kind of ["bare", "kiln", "filtered", "bareWorkflow"]) {
      await ctx.settle();
      const run = await deliver(urls[kind], connections, amount);
      const non200 = run.requests - (run.statusCodes[200] ?? 0);
      if (non200 > 0 || run.errors > 0)
        failures.push(`${kind} at ${connections}: ${non200} non-200 (${JSON.stringify(run.statusCodes)}), ${run.errors} errors`);
      if (kind === "kiln") ackedAll.push(...run.acked);
      if (kind === "filtered") filteredAll.push(...run.acked);
      results[`${kind}-${connections}`] = { p50: run.p50, p99: run.p99, requests: run.requests };
      ctx.log(
        `${kind.padEnd(12)} ${String(connections).padStart(2)} connection(s): p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  (${run.requests} deliveries)`,
      );
    }
  }
  ctx.log("counting stored deliveries and their runs");
  // Jobs are started just after each answer (or by the queue consumer): give them up to 60 s.
  let counted = await countStored(kiln, created.body.id, ackedAll);
  for (const until = Date.now() + 60_000; counted.runs < ackedAll.length && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 2_000));
    counted = await countStored(kiln, created.body.id, ackedAll);
  }
  const { stored, runs } = counted;
  const lost = ackedAll.length - Math.min(stored, runs);
  if (lost > 0) failures.push(`acked ${ackedAll.length}, stored ${stored}, runs ${runs}: ${lost} lost`);
  const storedFiltered = (await countStored(kiln, filtered.body.id, filteredAll, false)).stored;
  if (storedFiltered < filteredAll.length) failures.push(`filtered: acked ${filteredAll.length}, stored ${storedFiltered}`);
  const rows = [
    [
      "",
      "bare p50",
      "bare p99",
      "Kiln p50",
      "Kiln p99",
      "p99 Kiln/bare",
      "bar",
      "verdict",
      "no job: p50",
      "p99",
      "p99/bare",
      "bare+Workflow: p50",
      "p99",
      "p99/bare",
    ],
  ];
  const ratios = {};
  const filteredRatios = {};
  const workflowRatios = {};
  for (const c of CONNECTIONS) {
    const b = results[`bare-${c}`];
    const k = results[`kiln-${c}`];
    const f = results[`filtered-${c}`];
    const w = results[`bareWorkflow-${c}`];
    ratios[c] = k.p99 / b.p99;
    filteredRatios[c] = f.p99 / b.p99;
    workflowRatios[c] = w.p99 / b.p99;
    rows.push([
      `${c} connection(s)`,
      ms(b.p50),
      ms(b.p99),
      ms(k.p50),
      ms(k.p99),
      ratio(ratios[c]),
      `≤ ${ratio(BAR_P99_RATIO)}`,
      ratios[c] <= BAR_P99_RATIO ? "within" : "OVER",
      ms(f.p50),
      ms(f.p99),
      ratio(filteredRatios[c]),
      ms(w.p50),
      ms(w.p99),
      ratio(workflowRatios[c]),
    ]);
  }
  const summary = [
    `Webhook acknowledgement: ${amount} signed Stripe-style deliveries (a new event id each) per measurement,`,
    "Kiln (verify, store the delivery, enqueue its job start) against a bare Worker that verifies the same HMAC and answers.",
    "",
    table(rows),
    "",
    `acked ${ackedAll.length}, stored ${stored}, runs ${runs}; filtered (no job): acked ${filteredAll.length}, stored ${storedFiltered}`,
    '"No job": the same deliveries to an endpoint whose event filter drops them once stored (verify, store, answer; no job runs).',
    '"bare+Workflow": the bare Worker starting a one-step Workflow after each answer (the engine alone, no storage, no isolate).',
    `Bar (issue 9): ack p99 within ${BAR_P99_RATIO}× the bare Worker's at the same concurrency, and 0 lost.`,
  ].join("\n");
  return {
    name: "webhook-ack",
    amount,
    results,
    ratios,
    filteredRatios,
    workflowRatios,
    acked: ackedAll.length,
    stored,
    runs,
    failures,
    summary,
  };
}
