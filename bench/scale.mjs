// Suite "scale": Kiln with many stored runs. Against a seeded local D1 (BENCH_SCALE_STATE, a
// folder filled by `npm run seed:runs -- N --persist-to DIR`, kept; else BENCH_SCALE_RUNS runs,
// default 200,000, seeded into a fresh folder and deleted afterwards), it measures p50/p99 of
// GET /v1/runs (no filter, each filter, text search, a deep cursor page), GET /v1/jobs (all, one
// function), /v1/runs/counts and
// GET /v1/runs/:id, one request at a time, next to issue 15's bars (p50 ≤ 20 ms, p99 ≤ 50 ms);
// then the dashboard's runs page in Chromium (bar: under 1 s), the database size, bytes per
// stored run of the seeded mix, and bytes per run of a simple tool run (growth of the pages in use
// over real tool calls). Timing never fails; a non-200 does.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "../scripts/chromium.mjs";
import { startLocalServer } from "../scripts/local-server.mjs";
import { SEED_NOTE, seedRuns } from "../scripts/seed-runs.mjs";
import { call } from "./lib/api.mjs";
import { measure, problems } from "./lib/measure.mjs";
import { ms, table } from "./lib/report.mjs";
import { BODY, TOOL } from "./tool-call.mjs";

const root = path.resolve(import.meta.dirname, "..");
const BAR = { p50: 20, p99: 50 };
const BYTES_BAR = 2048;
const TOOL_RUNS = 2000;
const PAGE_BAR_MS = 1000;
const PAGE_LOADS = 10;

/**
 * Bytes of the local D1 database of a state folder in use: its pages less its free pages, as its
 * header says (page 1), read from the newest committed copy of that page in the write-ahead log
 * when there is one (workerd does not checkpoint the log on exit), else from the file.
 */
export function d1Bytes(persistTo) {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  if (!existsSync(dir)) return 0;
  const file = readdirSync(dir).find((f) => f !== "metadata.sqlite" && f.endsWith(".sqlite"));
  if (!file) return 0;
  const header = walHeaderPage(path.join(dir, `${file}-wal`)) ?? readFileSync(path.join(dir, file)).subarray(0, 100);
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  return (header.readUInt32BE(28) - header.readUInt32BE(36)) * pageSize;
}

/** The newest committed copy of page 1 in a WAL file (frames of its current generation), or null. */
function walHeaderPage(wal) {
  if (!existsSync(wal)) return null;
  const bytes = readFileSync(wal);
  if (bytes.length < 32) return null;
  const pageSize = bytes.readUInt32BE(8);
  const [salt1, salt2] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  let pending = null;
  let committed = null;
  for (let at = 32; at + 24 + pageSize <= bytes.length; at += 24 + pageSize) {
    if (bytes.readUInt32BE(at + 8) !== salt1 || bytes.readUInt32BE(at + 12) !== salt2) break;
    if (bytes.readUInt32BE(at) === 1) pending = bytes.subarray(at + 24, at + 24 + 100);
    if (bytes.readUInt32BE(at + 4) > 0) committed = pending ?? committed;
  }
  return committed;
}

/** The seeded state folder: given (kept), or a fresh one seeded now (deleted by the caller). */
function seededState(ctx) {
  if (process.env.BENCH_SCALE_STATE) return { persistTo: path.resolve(process.env.BENCH_SCALE_STATE), keep: true };
  const runs = Number(process.env.BENCH_SCALE_RUNS ?? 200_000);
  const persistTo = path.join(root, ".wrangler", `bench-${process.pid}-scale`);
  ctx.log(`seeding ${runs.toLocaleString("en")} runs (BENCH_SCALE_STATE=<dir seeded by npm run seed:runs> skips this)`);
  seedRuns({ count: runs, persistTo, log: (line) => ctx.log(line) });
  return { persistTo, keep: false };
}

/** The request shapes measured; `ids` holds a deep cursor, a job run and a run-id prefix from the data. */
function shapes(ids) {
  return [
    ["list, no filter", "/v1/runs?limit=50"],
    ["list, function", "/v1/runs?limit=50&function=crm-lookup"],
    ["list, function prefix", "/v1/runs?limit=50&function=s*"],
    ["list, status=failed", "/v1/runs?limit=50&status=failed"],
    ["list, trigger=schedule", "/v1/runs?limit=50&trigger=schedule"],
    ["list, one day (since/until)", `/v1/runs?limit=50&since=${ids.dayStart}&until=${ids.dayEnd}`],
    ["list, q (rare words)", "/v1/runs?limit=50&q=payment%20declined"],
    ["list, q (common word)", "/v1/runs?limit=50&q=refund"],
    ["list, q (run id prefix)", `/v1/runs?limit=50&q=${ids.idPrefix}`],
    ["list, deep cursor page", `/v1/runs?limit=50&cursor=${ids.deepCursor}`],
    ["jobs list, no filter", "/v1/jobs?limit=50"],
    ["jobs list, function", "/v1/jobs?limit=50&function=billing-sync"],
    ["counts, no filter", "/v1/runs/counts"],
    ["detail of a job run", `/v1/runs/${ids.jobRun}`],
  ];
}

async function pickIds(kiln) {
  const middle = Date.now() - 15 * 86_400_000;
  const deep = await call(kiln, "GET", `/v1/runs?limit=1&until=${new Date(middle).toISOString()}`);
  const job = await call(kiln, "GET", "/v1/runs?limit=1&trigger=job");
  const deepCursor = deep.body?.items?.[0]?.id;
  const jobRun = job.body?.items?.[0]?.id;
  if (!deepCursor || !jobRun) throw new Error("the seeded database has no runs 15 days old or no job run");
  return {
    deepCursor,
    jobRun,
    idPrefix: deepCursor.slice(0, 12),
    dayStart: new Date(middle - 86_400_000).toISOString(),
    dayEnd: new Date(middle).toISOString(),
  };
}

/**
 * Growth of the database per simple tool run: TOOL_RUNS echo calls between two stops of the
 * server (sizes as SQLite sees them, free pages included as SQLite keeps them).
 */
async function toolRunBytes(persistTo, ctx) {
  const before = { bytes: d1Bytes(persistTo), runs: 0 };
  const kiln = await startLocalServer({ logLevel: "error", persistTo, keepState: true });
  try {
    before.runs = (await call(kiln, "GET", `/v1/runs/counts?function=${TOOL}`)).body?.counts?.succeeded ?? 0;
    const headers = { authorization: `Bearer ${kiln.adminKey}` };
    const run = await measure({ url: `${kiln.url}/v1/tools/${TOOL}`, body: BODY, headers, connections: 4, amount: TOOL_RUNS });
    for (let i = 0; i < 60; i++) {
      const counts = await call(kiln, "GET", `/v1/runs/counts?function=${TOOL}`);
      if ((counts.body?.counts?.succeeded ?? 0) >= before.runs + TOOL_RUNS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await kiln.stop();
    const after = d1Bytes(persistTo);
    ctx.log(`${TOOL_RUNS} tool runs grew the database by ${(after - before.bytes).toLocaleString("en")} bytes`);
    return { bytesPerRun: (after - before.bytes) / TOOL_RUNS, problems: problems(run) };
  } finally {
    await kiln.stop();
  }
}

/** Deploys the echo tool; a reused state folder may have it already (200, unchanged). */
async function deployTool(kiln) {
  const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ message: z.string() }), run: (input) => input });`;
  const res = await call(kiln, "POST", "/v1/functions", { name: TOOL, code });
  if (res.status !== 201 && res.status !== 200) throw new Error(`deploying "${TOOL}" answered ${res.status}`);
}

/**
 * The dashboard's runs page in headless Chromium, signed in: PAGE_LOADS loads of /runs, each in a
 * new browser context (an empty cache: the app's assets are fetched too, as on a first visit),
 * timed from navigation start until its first run row and its status counts are on screen.
 */
async function runsPageLoads(kiln) {
  const browser = await launchChromium();
  try {
    const first = await browser.newPage();
    await first.goto(`${kiln.url}/runs`);
    await first.getByLabel("API key").fill(kiln.adminKey);
    await first.getByRole("button", { name: "Sign in" }).click();
    await first.locator(".runs-table tbody tr").first().waitFor({ timeout: 30_000 });
    const storageState = await first.context().storageState();
    const loads = [];
    for (let i = 0; i < PAGE_LOADS; i++) {
      const context = await browser.newContext({ storageState });
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${kiln.url}/runs`);
      await Promise.all([
        page.locator(".runs-table tbody tr").first().waitFor({ timeout: 30_000 }),
        page.getByRole("list", { name: "Run counts" }).waitFor({ timeout: 30_000 }),
      ]);
      loads.push(performance.now() - t0);
      await context.close();
    }
    loads.sort((a, b) => a - b);
    return { p50: loads[Math.floor(loads.length / 2)], max: loads.at(-1) };
  } finally {
    await browser.close();
  }
}

/** p50/p99 of each request shape, one request at a time; deploys the echo tool at the end. */
async function latencies(persistTo, ctx, failures) {
  const kiln = await startLocalServer({ logLevel: "error", persistTo, keepState: true });
  try {
    const ids = await pickIds(kiln);
    const results = {};
    const headers = { authorization: `Bearer ${kiln.adminKey}` };
    const amount = Math.max(50, Math.round(ctx.duration * 25));
    for (const [label, pathAndQuery] of [["floor: GET /v1/session (no runs read)", "/v1/session"], ...shapes(ids)]) {
      const url = `${kiln.url}${pathAndQuery}`;
      await measure({ url, method: "GET", headers, connections: 1, amount: 10 });
      const run = await measure({ url, method: "GET", headers, connections: 1, amount });
      for (const p of problems(run)) failures.push(`${label}: ${p}`);
      results[label] = { p50: run.p50, p99: run.p99, requests: run.requests };
      ctx.log(`${label.padEnd(28)} p50 ${ms(run.p50)}  p99 ${ms(run.p99)}`);
    }
    const page = await runsPageLoads(kiln);
    ctx.log(`dashboard runs page (empty cache): p50 ${ms(page.p50)}, slowest ${ms(page.max)}`);
    await deployTool(kiln);
    return { results, amount, page };
  } finally {
    await kiln.stop();
  }
}

export async function benchScale(ctx) {
  const state = seededState(ctx);
  const failures = [];
  try {
    const { results, amount, page } = await latencies(state.persistTo, ctx, failures);
    const dbBytes = d1Bytes(state.persistTo);
    const tool = await toolRunBytes(state.persistTo, ctx);
    failures.push(...tool.problems.map((p) => `tool runs: ${p}`));
    return report({ results, page, dbBytes, seeded: seededCount(state.persistTo), toolBytes: tool.bytesPerRun, failures, amount });
  } finally {
    if (!state.keep) rmSync(state.persistTo, { recursive: true, force: true });
  }
}

/** How many runs `npm run seed:runs` put in this folder (its note), or null. */
function seededCount(persistTo) {
  try {
    return JSON.parse(readFileSync(path.join(persistTo, SEED_NOTE), "utf8")).runs;
  } catch {
    return null;
  }
}

function report({ results, page, dbBytes, seeded, toolBytes, failures, amount }) {
  const verdict = (r) => (r.p50 <= BAR.p50 && r.p99 <= BAR.p99 ? "within" : "OVER");
  const rows = [["", "p50", "p99", "bar", "verdict"]];
  for (const [label, r] of Object.entries(results)) rows.push([label, ms(r.p50), ms(r.p99), `≤ ${BAR.p50} / ${BAR.p99} ms`, verdict(r)]);
  const runs = seeded;
  const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const summary = [
    `Scale: ${amount} sequential requests per shape against a local D1 holding ${runs ? runs.toLocaleString("en") : "the seeded"} runs.`,
    "",
    table(rows),
    "",
    `Database: ${mb(dbBytes)}${runs ? `, ${Math.round(dbBytes / runs)} bytes per stored run (seeded mix: tools and jobs, spans, logs, steps)` : ""}.`,
    "The floor row is an authenticated request that reads no run: the rest of each figure is the runs query.",
    `Dashboard runs page (Chromium, empty cache, navigation → first row and counts shown), ${PAGE_LOADS} loads:`,
    `p50 ${ms(page.p50)}, slowest ${ms(page.max)} (bar < ${PAGE_BAR_MS} ms: ${page.max < PAGE_BAR_MS ? "within" : "OVER"}).`,
    `A simple tool run: ${Math.round(toolBytes)} bytes (goal ≤ ${BYTES_BAR}: ${toolBytes <= BYTES_BAR ? "within" : "OVER"}).`,
    `At that size D1's 10 GB hold ${Math.floor(10e9 / toolBytes).toLocaleString("en")} runs: ${Math.floor(10e9 / toolBytes / 30).toLocaleString("en")} a day at 30 days' retention.`,
  ].join("\n");
  return { name: "scale", results, runsPage: page, dbBytes, seededRuns: runs, toolRunBytes: toolBytes, failures, summary };
}
