// Suite "breakdown" (opt-in: BENCH_SUITES=tool-call,breakdown): where a tool call's time goes, seen
// from the client. Latency at 1 connection of requests that stop at successive stages of the path,
// so the differences between rows are the cost of each stage.
import { measure, problems } from "./lib/measure.mjs";
import { ms, ratio, table } from "./lib/report.mjs";
import { BODY, deployEcho, TOOL } from "./tool-call.mjs";

const REQUESTS = 1000;

function stages(kiln, bare) {
  const auth = { authorization: `Bearer ${kiln.adminKey}` };
  return [
    { label: "bare Worker: parse + return JSON", url: `${bare.url}/v1/tools/${TOOL}`, body: BODY, status: 200 },
    { label: "Kiln GET /healthz (no auth, no D1)", url: `${kiln.url}/healthz`, method: "GET", status: 200 },
    {
      label: "Kiln unknown tool (auth + D1 lookup → 404)",
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

/** Runs each stage for REQUESTS requests after a short warm-up; all stages twice, in reverse the second time. */
export async function benchBreakdown(ctx) {
  const kiln = await ctx.kiln();
  const bare = await ctx.bare();
  await deployEcho(kiln);
  const list = stages(kiln, bare);
  const failures = [];
  const runs = list.map(() => []);
  for (const order of [list.map((_, i) => i), list.map((_, i) => i).reverse()]) {
    for (const i of order) {
      const s = list[i];
      await measure({ ...s, amount: 100 });
      await ctx.settle();
      const run = await measure({ ...s, amount: REQUESTS });
      const wrong = run.requests - (run.statusCodes[s.status] ?? 0);
      if (wrong > 0) failures.push(`${s.label}: ${wrong} answers other than ${s.status} (${JSON.stringify(run.statusCodes)})`);
      for (const p of problems(run).filter((p) => !p.includes("non-200"))) failures.push(`${s.label}: ${p}`);
      runs[i].push(run);
      ctx.log(`breakdown ${s.label.padEnd(48)} p50 ${ms(run.p50)}  p99 ${ms(run.p99)}`);
    }
  }
  const best = runs.map((r) => ({ p50: Math.min(...r.map((x) => x.p50)), p99: Math.min(...r.map((x) => x.p99)) }));
  const base = best[0];
  const rows = [["stage (1 connection)", "p50", "p99", "p50 / bare", "p50 − previous"]];
  for (const [i, s] of list.entries()) {
    const delta = i === 0 ? "" : `${best[i].p50 - best[i - 1].p50 >= 0 ? "+" : ""}${ms(best[i].p50 - best[i - 1].p50)}`;
    rows.push([s.label, ms(best[i].p50), ms(best[i].p99), ratio(best[i].p50 / base.p50), delta]);
  }
  const summary = [
    `Breakdown: ${REQUESTS} requests per stage at 1 connection, best of 2 passes (forward, then reverse order).`,
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
