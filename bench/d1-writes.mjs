// Suite "d1-writes": how many finished runs per second one local D1 database takes through Kiln's
// own run writer (`saveFinishedRuns`, in the writer's batches of 25), and the bytes each simple
// tool run adds to the database. A bench-only Worker (bench/d1-writes/) holds the writer and a D1
// made from Kiln's migrations, so the figure is D1's and the writer's, not the HTTP path's.
// Issue 15 asks for it to say where one D1 database saturates; it has no pass/fail bar.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ms, table } from "./lib/report.mjs";

const root = path.resolve(import.meta.dirname, "..");
const CONCURRENCY = [1, 4];

async function post(server, route, body) {
  const res = await fetch(`${server.url}${route}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

const size = async (server) => (await fetch(`${server.url}/size`).then((r) => r.json())).bytes;

export async function benchD1Writes(ctx) {
  const server = await ctx.d1Writes();
  const dir = path.join(root, "migrations");
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), "utf8"));
  await post(server, "/setup", migrations);
  await post(server, "/write", { runs: 200, concurrency: 1 }); // warm-up
  const runs = Math.max(2_000, Math.round(ctx.duration * 1_000));
  const rows = [["concurrent batches", "runs", "time", "runs/s", "bytes per run"]];
  const figures = {};
  for (const concurrency of CONCURRENCY) {
    await ctx.settle();
    const before = await size(server);
    const { ms: took } = await post(server, "/write", { runs, concurrency });
    const bytesPerRun = ((await size(server)) - before) / runs;
    const perSecond = (runs / took) * 1000;
    figures[concurrency] = { runs, ms: took, runsPerSecond: perSecond, bytesPerRun };
    rows.push([String(concurrency), String(runs), ms(took), perSecond.toFixed(0), bytesPerRun.toFixed(0)]);
    ctx.log(
      `d1-writes ${concurrency} concurrent: ${runs} runs in ${took} ms (${perSecond.toFixed(0)} runs/s, ${bytesPerRun.toFixed(0)} B/run)`,
    );
  }
  const summary = [
    "D1 writes: simple finished tool runs (input, output, one span, two log lines) written through Kiln's run writer",
    "(saveFinishedRuns, 25 runs per D1 batch) into one local D1 database (workerd's SQLite on this machine's disk).",
    "",
    table(rows),
    "",
    "No bar: the figure says at what rate of finished runs one D1 database saturates (README, Architecture).",
  ].join("\n");
  return { name: "d1-writes", summary, failures: [], figures };
}
