// Suite "breakdown" (opt-in: BENCH_SUITES=tool-call,breakdown): where a tool call's time goes, seen
// from the client. Latency at 1 connection of requests that stop at successive stages of the path,
// so the differences between rows are the cost of each stage. The first row is the bare Worker
// without static assets, so the second (the baseline of every ratio, as in the tool-call suite)
// shows what wrangler dev's static-assets router costs on its own.
import { measure, problems } from "./lib/measure.mjs";
import { ms, ratio, rps, table } from "./lib/report.mjs";
import { BODY, deployEcho, TOOL } from "./tool-call.mjs";

const REQUESTS = 1000;
const CONNECTIONS = 32;

function stages(kiln, bare, plain) {
  const auth = { authorization: `Bearer ${kiln.adminKey}` };
  return [
    { label: "bare Worker without static assets", url: `${plain.url}/v1/tools/${TOOL}`, body: BODY, status: 200 },
    { label: "bare Worker (assets router in front, as Kiln)", url: `${bare.url}/v1/tools/${TOOL}`, body: BODY, status: 200, base: true },
    { label: "Kiln GET /healthz (no auth, no D1)", url: `${kiln.url}/healthz`, method: "GET", status: 200 },
    {
      label: "Kiln unknown tool (auth + function lookup → 404)",
      url: `${kiln.url}/v1/tools/no-such-tool`,
      body: BODY,
      headers: auth,
      status: 404,
    },
    {
      label: "Kiln invalid input (+ schema validation → 400)",
      url: `${kiln.url}/v1/tools/${TOOL}`,
      body: JSON.stringify({ message: 1 }),
      headers: auth,
      status: 400,
    },
    { label: "Kiln tool call (+ isolate dispatch + trace)", url: `${kiln.url}/v1/tools/${TOOL}`, body: BODY, headers: auth, status: 200 },
  ];
}

/** Runs each stage after a short warm-up; all stages twice, in reverse order the second time. */
export async function benchBreakdown(ctx) {
  const kiln = await ctx.kiln();
  const bare = await ctx.bare();
  const plain = await ctx.bareNoAssets();
  await deployEcho(kiln);
  const list = stages(kiln, bare, plain);
  const failures = [];
  const runs = list.map(() => []);
  for (const order of [list.map((_, i) => i), list.map((_, i) => i).reverse()]) {
    for (const i of order) {
      const s = list[i];
      await measure({ ...s, amount: 100 });
      await ctx.settle();
      const run = await measure({ ...s, amount: REQUESTS });
      await ctx.settle();
      const load = await measure({ ...s, connections: CONNECTIONS, duration: Math.min(3, ctx.duration) });
      for (const r of [run, load]) {
        const wrong = r.requests - (r.statusCodes[s.status] ?? 0);
        if (wrong > 0) failures.push(`${s.label}: ${wrong} answers other than ${s.status} (${JSON.stringify(r.statusCodes)})`);
        for (const p of problems(r).filter((p) => !p.includes("non-200"))) failures.push(`${s.label}: ${p}`);
      }
      runs[i].push({ latency: run, throughput: load });
      ctx.log(`breakdown ${s.label.padEnd(50)} p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  ${rps(load.reqPerSec)}`);
    }
  }
  const best = runs.map((r) => ({
    p50: Math.min(...r.map((x) => x.latency.p50)),
    p99: Math.min(...r.map((x) => x.latency.p99)),
    reqPerSec: Math.max(...r.map((x) => x.throughput.reqPerSec)),
  }));
  const base = best[list.findIndex((s) => s.base)];
  const rows = [["stage", "p50", "p99", "p50 / bare", "p50 − previous", `${CONNECTIONS} conn.`, "req/s / bare"]];
  for (const [i, s] of list.entries()) {
    const delta = i === 0 ? "" : `${best[i].p50 - best[i - 1].p50 >= 0 ? "+" : ""}${ms(best[i].p50 - best[i - 1].p50)}`;
    const b = best[i];
    rows.push([s.label, ms(b.p50), ms(b.p99), ratio(b.p50 / base.p50), delta, rps(b.reqPerSec), ratio(b.reqPerSec / base.reqPerSec)]);
  }
  const summary = [
    `Breakdown: per stage, ${REQUESTS} requests at 1 connection (latency), then ${Math.min(3, ctx.duration)} s at ${CONNECTIONS} connections`,
    "(throughput); best of 2 passes (forward, then reverse order).",
    "",
    table(rows),
  ].join("\n");
  return {
    name: "breakdown",
    stages: list.map((s, i) => ({ label: s.label, status: s.status, best: best[i], runs: runs[i] })),
    failures,
    summary,
  };
}
