// Suite "schedule-tick" (issue 10): 100 schedules due in one minute, first with nothing else stored,
// then among 9,900 idle ones (10,000 in all). Each tick is fired at a real minute boundary through
// wrangler dev's scheduled endpoint with that boundary as `scheduledTime`. Prints each tick's
// duration (the scheduled request's round trip), their ratio (the cost must not grow with idle
// schedules), and the time from `scheduledTime` to each job's first step (p50/p99).
// Bar: the tick under 1 s of wall time, and no growth with idle schedules.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { call } from "./lib/api.mjs";
import { quantile } from "./lib/measure.mjs";
import { ms, ratio, table } from "./lib/report.mjs";

const FUNCTIONS = 5; // 20 schedules each: the per-function cap
const PER_FUNCTION = 20;
const IDLE = 9_900;
const BAR_TICK_MS = 1_000;
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  exposures: { tool: false, job: true },
  async run(_input, ctx) { return ctx.step("first", () => Date.now()); },
});`;
const root = path.resolve(import.meta.dirname, "..");

/** Waits for the next minute boundary, fires the tick for it; returns it and the round trip. */
async function tickAtNextMinute(kiln) {
  const slot = Math.ceil((Date.now() + 1_000) / 60_000) * 60_000;
  await new Promise((r) => setTimeout(r, slot - Date.now()));
  const t0 = performance.now();
  const res = await fetch(`${kiln.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}&time=${slot}`);
  await res.text();
  return { slot, tickMs: performance.now() - t0, status: res.status };
}

/**
 * The first-step start of every scheduled job of `slot`, once all `expected` have one (or 60 s
 * passed), and `dispatchMs`: from `slot` until the last of its runs was created, which is the
 * tick's own work (the scheduled request's round trip also waits for the Workflow starts it leaves running).
 */
async function firstSteps(kiln, slot, expected) {
  const until = Date.now() + 60_000;
  for (;;) {
    const page = await call(kiln, "GET", `/v1/runs?trigger=schedule&limit=200&since=${new Date(slot).toISOString()}`);
    const items = page.body?.items ?? [];
    const ids = items.map((r) => r.id);
    const dispatchMs = Math.max(0, ...items.map((r) => Date.parse(r.createdAt) - slot));
    const starts = [];
    for (const id of ids) {
      const job = await call(kiln, "GET", `/v1/jobs/${id}`);
      const first = job.body?.steps?.[0];
      if (first) starts.push(first.startedAt - slot);
    }
    if (starts.length >= expected || Date.now() > until) return { runs: ids.length, dispatchMs, starts: starts.sort((a, b) => a - b) };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** 9,900 schedules that will not fire for decades, written straight into the local D1 (a seed, not the API). */
function seedIdle(persistTo) {
  const far = Date.UTC(2100, 0, 1);
  const now = Date.now();
  const rows = [];
  for (let i = 0; i < IDLE; i++) {
    const fn = `idle-${i % 500}`;
    rows.push(
      `('sch_idle_${i}','idle ${i}','${fn}','0 0 1 1 *','UTC','{}','skip','latest',0,NULL,0,${far},${now},NULL,'bench',${now},${now})`,
    );
  }
  const sql = [];
  const columns =
    "id,name,function_name,cron,timezone,input,overlap,catch_up,jitter_ms,end_at,paused,next_fire_at,last_slot_at,pending_slot_at,created_by,created_at,updated_at";
  for (let i = 0; i < rows.length; i += 500) sql.push(`INSERT INTO schedules (${columns}) VALUES ${rows.slice(i, i + 500).join(",")};`);
  const file = path.join(persistTo, "idle-schedules.sql");
  writeFileSync(file, sql.join("\n"));
  const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
  const res = spawnSync(process.execPath, [wrangler, "d1", "execute", "kiln", "--local", "--persist-to", persistTo, "--file", file], {
    cwd: root,
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`seeding idle schedules failed:\n${res.stdout}\n${res.stderr}`);
}

export async function benchScheduleTick(ctx) {
  const kiln = await ctx.kiln();
  const failures = [];
  for (let f = 0; f < FUNCTIONS; f++) {
    const name = `tick-sink-${f}`;
    const deployed = await call(kiln, "POST", "/v1/functions", { name, code: CODE });
    if (deployed.status !== 201 && deployed.status !== 200)
      return { name: "schedule-tick", failures: [`deploy answered ${deployed.status}`] };
    await call(kiln, "POST", "/v1/jobs", { function: name, input: {} }); // warm-up: isolate and engine
    for (let s = 0; s < PER_FUNCTION; s++) {
      const created = await call(kiln, "POST", "/v1/schedules", { name: `s${s}`, function: name, cron: "* * * * *", overlap: "allow" });
      if (created.status !== 201) return { name: "schedule-tick", failures: [`creating a schedule answered ${created.status}`] };
    }
  }
  const due = FUNCTIONS * PER_FUNCTION;
  const measurements = {};
  for (const phase of ["alone", "among idle"]) {
    if (phase === "among idle") {
      ctx.log(`seeding ${IDLE} idle schedules`);
      seedIdle(kiln.persistTo);
    }
    ctx.log(`${phase}: waiting for the next minute boundary`);
    const tick = await tickAtNextMinute(kiln);
    if (tick.status !== 200) failures.push(`the scheduled endpoint answered ${tick.status}`);
    const { runs, dispatchMs, starts } = await firstSteps(kiln, tick.slot, due);
    if (runs !== due) failures.push(`${phase}: ${due} schedules were due, ${runs} runs started`);
    const stored = phase === "alone" ? due : due + IDLE;
    const m = { stored, dispatchMs, roundTripMs: tick.tickMs, runs, p50: quantile(starts, 0.5), p99: quantile(starts, 0.99) };
    measurements[phase] = m;
    ctx.log(`${phase}: runs created ${ms(dispatchMs)} after the slot, round trip ${ms(tick.tickMs)}, first step p50 ${ms(m.p50)}`);
  }
  const a = measurements.alone;
  const b = measurements["among idle"];
  const rows = [["", "stored", "tick (runs created)", "round trip", "runs", "→ first step p50", "p99", "bar (tick)", "verdict"]];
  for (const [label, m] of Object.entries(measurements))
    rows.push([
      label,
      String(m.stored),
      ms(m.dispatchMs),
      ms(m.roundTripMs),
      String(m.runs),
      ms(m.p50),
      ms(m.p99),
      `< ${BAR_TICK_MS} ms`,
      m.dispatchMs < BAR_TICK_MS ? "within" : "OVER",
    ]);
  const summary = [
    `Schedule tick: ${due} schedules due in one minute, alone and among ${IDLE} idle ones; each tick fired at a minute boundary.`,
    "",
    table(rows),
    "",
    `Tick with ${IDLE} idle schedules / without: ${ratio(b.dispatchMs / a.dispatchMs)} (the due query reads only due rows through an index).`,
    "The tick's time runs from scheduledTime until its last run was created; the round trip under wrangler dev also",
    "waits for the Workflow starts the tick leaves running. First-step times are from scheduledTime.",
  ].join("\n");
  return { name: "schedule-tick", measurements, failures, summary };
}
