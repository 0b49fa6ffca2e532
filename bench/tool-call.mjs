// Suite "tool-call": a Kiln tool call (auth + validation + isolate dispatch + trace) against a bare
// Worker returning the same JSON under the same `wrangler dev`. PRODUCT.md's bar: at most 2× the
// bare latency at p50 and p99, and at least half its throughput.
import { measure, problems } from "./lib/measure.mjs";
import { ms, ratio, rps, table } from "./lib/report.mjs";

export const TOOL = "echo";
const ECHO_CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ message: z.string() }), run: (input) => input });`;
export const BODY = JSON.stringify({ message: "The quick brown fox jumps over the lazy dog; a tool call from the Kiln benchmark." });
const THROUGHPUT_CONNECTIONS = 32;
export const BAR = { latencyRatio: 2, throughputRatio: 0.5 };
/** Issue 15's goal for the hot path, printed beside PRODUCT.md's floor. */
export const TARGET = { latencyRatio: 1.3, throughputRatio: 0.7 };

/** Deploys the echo function and checks one call answers with the body it was sent. */
export async function deployEcho(kiln) {
  const headers = { authorization: `Bearer ${kiln.adminKey}`, "content-type": "application/json" };
  const deployed = await fetch(`${kiln.url}/v1/functions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: TOOL, code: ECHO_CODE }),
  });
  // 200 when another suite of the same run deployed the same code already (an unchanged deploy).
  if (deployed.status !== 201 && deployed.status !== 200)
    throw new Error(`deploying "${TOOL}" answered ${deployed.status}: ${await deployed.text()}`);
  const call = await fetch(`${kiln.url}/v1/tools/${TOOL}`, { method: "POST", headers, body: BODY });
  const text = await call.text();
  if (call.status !== 200 || text !== BODY) throw new Error(`calling "${TOOL}" answered ${call.status}: ${text}`);
}

/** The same request for both sides; the bare Worker ignores the path and the credential. */
function target(server, kind) {
  return {
    kind,
    url: `${server.url}/v1/tools/${TOOL}`,
    body: BODY,
    expectBody: BODY,
    headers: { authorization: `Bearer ${server.adminKey}` },
  };
}

/**
 * Runs the suite. `ctx` gives the servers (`kiln()`, `bare()`, started on first use), `duration`
 * (seconds per measurement), `rounds`, `settle()` (a pause between runs), `output(kind)` (the tail
 * of a server's wrangler output) and `log`.
 */
export async function benchToolCall(ctx) {
  const kiln = await ctx.kiln();
  const bare = await ctx.bare();
  await deployEcho(kiln);
  const targets = { bare: target(bare, "bare"), kiln: target(kiln, "kiln") };
  const failures = [];
  const check = (label, run) => {
    for (const p of problems(run)) failures.push(`${label}: ${p}`);
  };

  const warmup = Math.min(3, ctx.duration);
  ctx.log(`warming up both for ${warmup} s at ${THROUGHPUT_CONNECTIONS} connections, then ${warmup} s at 1 connection`);
  for (const t of Object.values(targets)) {
    check(`warm-up ${t.kind}`, await measure({ ...t, connections: THROUGHPUT_CONNECTIONS, duration: warmup }));
    check(`warm-up ${t.kind}`, await measure({ ...t, connections: 1, duration: warmup }));
  }
  if (failures.length > 0) return { name: "tool-call", failures };

  // (round + phase) decides who goes first: over any two rounds each side leads once per phase.
  const phases = [
    { key: "latency", connections: 1 },
    { key: "throughput", connections: THROUGHPUT_CONNECTIONS },
  ];
  const rounds = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const round = { bare: {}, kiln: {}, order: {} };
    for (const [i, phase] of phases.entries()) {
      const order = (r + i) % 2 === 0 ? ["bare", "kiln"] : ["kiln", "bare"];
      round.order[phase.key] = order.join(" → ");
      for (const kind of order) {
        await ctx.settle();
        const run = await measure({ ...targets[kind], connections: phase.connections, duration: ctx.duration });
        if (run.requests === 0) throw new Error(`${kind} stopped answering (${run.errors} connection errors)\n${ctx.output(kind)}`);
        check(`round ${r + 1} ${phase.key} ${kind}`, run);
        round[kind][phase.key] = run;
        ctx.log(
          `round ${r + 1}/${ctx.rounds} ${phase.key.padEnd(10)} ${kind.padEnd(4)}  p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  ${rps(run.reqPerSec)}  (${run.requests} requests)`,
        );
      }
    }
    rounds.push(round);
  }

  const best = (kind) => ({
    p50: Math.min(...rounds.map((r) => r[kind].latency.p50)),
    p99: Math.min(...rounds.map((r) => r[kind].latency.p99)),
    reqPerSec: Math.max(...rounds.map((r) => r[kind].throughput.reqPerSec)),
  });
  const range = (kind, phase, key) => {
    const xs = rounds.map((r) => r[kind][phase][key]);
    return [Math.min(...xs), Math.max(...xs)];
  };
  const spread = (kind) => {
    const [p50, p99, thr] = [range(kind, "latency", "p50"), range(kind, "latency", "p99"), range(kind, "throughput", "reqPerSec")];
    return `p50 ${p50.map((x) => x.toFixed(2)).join("–")} ms, p99 ${p99.map((x) => x.toFixed(2)).join("–")} ms, ${thr.map(Math.round).join("–")} req/s`;
  };
  const b = best("bare");
  const k = best("kiln");
  const ratios = { p50: k.p50 / b.p50, p99: k.p99 / b.p99, throughput: k.reqPerSec / b.reqPerSec };
  const judge = (bar) => ({
    p50: ratios.p50 <= bar.latencyRatio ? "within" : "OVER",
    p99: ratios.p99 <= bar.latencyRatio ? "within" : "OVER",
    throughput: ratios.throughput >= bar.throughputRatio ? "within" : "OVER",
  });
  const verdicts = judge(BAR);
  const toTarget = judge(TARGET);
  const rows = [
    ["", "bare Worker", "Kiln", "Kiln/bare", "floor", "verdict", "target", "verdict"],
    ...[
      ["p50 latency, 1 connection", ms(b.p50), ms(k.p50), "p50", "≤", "latencyRatio"],
      ["p99 latency, 1 connection", ms(b.p99), ms(k.p99), "p99", "≤", "latencyRatio"],
      [`throughput, ${THROUGHPUT_CONNECTIONS} connections`, rps(b.reqPerSec), rps(k.reqPerSec), "throughput", "≥", "throughputRatio"],
    ].map(([label, bare, kiln, key, op, bar]) => [
      label,
      bare,
      kiln,
      ratio(ratios[key]),
      `${op} ${ratio(BAR[bar])}`,
      verdicts[key],
      `${op} ${ratio(TARGET[bar])}`,
      toTarget[key],
    ]),
  ];
  const summary = [
    `Tool call: POST /v1/tools/${TOOL} with a ${BODY.length}-byte JSON body, echoed back.`,
    `Best of ${ctx.rounds} round(s) of ${ctx.duration} s per measurement (lowest p50 and p99, highest req/s);`,
    "the order alternates between rounds and between phases, so neither side always runs first (per-round figures above and in the JSON).",
    "",
    table(rows),
    "",
    `Range across rounds: bare ${spread("bare")}`,
    `                     Kiln ${spread("kiln")}`,
    "",
    `Bar (PRODUCT.md): a Kiln tool call costs at most ${BAR.latencyRatio}× the latency of a bare Worker returning the same JSON`,
    `in the same local runtime, at p50 and p99, and keeps at least ${BAR.throughputRatio * 100}% of its throughput.`,
    `Target (issue 15): within ${TARGET.latencyRatio}× at p50 and p99, at least ${TARGET.throughputRatio * 100}% of the throughput.`,
    ...(Object.values(verdicts).includes("OVER")
      ? ["Over the bar: BENCH_SUITES=tool-call,breakdown npm run bench shows which stage the time goes to."]
      : []),
  ].join("\n");
  return {
    name: "tool-call",
    payloadBytes: BODY.length,
    bar: BAR,
    best: { bare: b, kiln: k },
    ratios,
    verdicts,
    rounds,
    failures,
    summary,
  };
}
