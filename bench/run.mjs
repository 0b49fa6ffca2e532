// `npm run bench`: runs the benchmark suites against Kiln under `wrangler dev` (and, where a suite
// compares, a bare Worker under its own `wrangler dev`), prints the figures next to PRODUCT.md's
// quality bars and writes bench/results/latest.json. Timing never fails the run; broken
// responses (non-200, errors, wrong bodies) or a server that does not start do (exit 1).
//
// Environment: BENCH_DURATION (seconds per measurement, default 6), BENCH_ROUNDS (default 3),
// BENCH_SUITES (comma-separated names, default all but the opt-in ones; e.g. "tool-call,breakdown"),
// BENCH_SCALE_STATE / BENCH_SCALE_RUNS (the seeded database of the scale suite: see bench/scale.mjs).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startLocalServer } from "../scripts/local-server.mjs";
import { benchBreakdown } from "./breakdown.mjs";
import { benchD1Writes } from "./d1-writes.mjs";
import { benchJobStart } from "./job-start.mjs";
import { abortMeasurement } from "./lib/measure.mjs";
import { loud } from "./lib/report.mjs";
import { benchScale } from "./scale.mjs";
import { benchScheduleTick } from "./schedule-tick.mjs";
import { benchToolCall } from "./tool-call.mjs";
import { benchWebhookAck } from "./webhook-ack.mjs";

const root = path.resolve(import.meta.dirname, "..");

/**
 * The suites, run in this order. A suite is `async (ctx) => result`; its result carries a `name`,
 * a printable `summary`, `failures` (broken responses, never timing) and whatever figures it wants
 * in the JSON. Suites marked `optIn` run only when named in BENCH_SUITES.
 */
const suites = [
  { name: "tool-call", run: benchToolCall },
  { name: "job-start", run: benchJobStart },
  { name: "webhook-ack", run: benchWebhookAck },
  { name: "schedule-tick", run: benchScheduleTick },
  { name: "scale", run: benchScale },
  { name: "breakdown", run: benchBreakdown, optIn: true },
  { name: "d1-writes", run: benchD1Writes, optIn: true },
];

const duration = positiveNumber("BENCH_DURATION", 6);
const rounds = Math.max(1, Math.round(positiveNumber("BENCH_ROUNDS", 3)));
const selected = process.env.BENCH_SUITES
  ? process.env.BENCH_SUITES.split(",").map((s) => s.trim())
  : suites.filter((s) => !s.optIn).map((s) => s.name);

function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const log = (line) => console.log(`[bench] ${line}`);

// Servers start on first use and are all stopped at the end, on error and on SIGINT/SIGTERM.
const started = [];
function lazyServer(label, options) {
  let promise;
  return () => {
    promise ??= (async () => {
      const persistTo = path.join(root, ".wrangler", `bench-${process.pid}-${label}`);
      const entry = { label, persistTo, server: null };
      started.push(entry);
      const t0 = performance.now();
      entry.server = await startLocalServer({ ...options, persistTo });
      log(`${label} is up at ${entry.server.url} (${Math.round(performance.now() - t0)} ms)`);
      return entry.server;
    })();
    return promise;
  };
}

async function stopAll() {
  const entries = started.splice(0);
  await Promise.all(entries.map((e) => e.server?.dispose()));
  for (const e of entries) rmSync(e.persistTo, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the servers`);
    abortMeasurement();
    stopAll().finally(() => process.exit(130));
  });
}

function machine() {
  const cpus = os.cpus();
  const version = (bin) => {
    try {
      return execFileSync(path.join(root, "node_modules/.bin", bin), ["--version"], { encoding: "utf8" }).trim();
    } catch {
      return null;
    }
  };
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler: version("wrangler"),
    loadAverage: os.loadavg(),
  };
}

async function main() {
  const unknown = selected.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown suite(s): ${unknown.join(", ")}; known: ${suites.map((s) => s.name).join(", ")}`);
  const info = machine();
  log(`${info.cpus} × ${info.cpuModel}, node ${info.node}, wrangler ${info.wrangler}; ${duration} s per measurement, ${rounds} round(s)`);
  const ctx = {
    duration,
    rounds,
    log,
    settle: () => new Promise((r) => setTimeout(r, 1000)),
    kiln: lazyServer("kiln", { logLevel: "error" }),
    output: (label) => {
      const entry = started.find((e) => e.label === label);
      return `--- last output of ${label}'s wrangler dev ---\n${(entry?.server?.output() ?? "").slice(-4000)}`;
    },
    bare: lazyServer("bare", { logLevel: "error", config: path.join(root, "bench/bare/wrangler.toml") }),
    bareNoAssets: lazyServer("bare-no-assets", { logLevel: "error", config: path.join(root, "bench/bare/no-assets.toml") }),
    d1Writes: lazyServer("d1-writes", { logLevel: "error", config: path.join(root, "bench/d1-writes/wrangler.toml") }),
  };
  const results = [];
  for (const suite of suites.filter((s) => selected.includes(s.name))) {
    log(`suite ${suite.name}`);
    results.push(await suite.run(ctx));
  }
  await stopAll();

  info.loadAverageAfter = os.loadavg();
  const failures = results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));
  for (const r of results) if (r.summary) console.log(`\n${r.summary}`);
  const file = path.join(root, "bench/results/latest.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ machine: info, settings: { duration, rounds }, suites: results, failures }, null, 2)}\n`);
  const busy = Math.max(info.loadAverage[0], info.loadAverageAfter[0]);
  const ownLoad = 2; // Two workerd processes plus the client keep about two cores busy while measuring.
  if (info.loadAverage[0] > info.cpus / 2 || busy > info.cpus + ownLoad) {
    console.log(
      `\nNote: the machine was busy (1-min load average ${info.loadAverage[0].toFixed(2)} before, ${info.loadAverageAfter[0].toFixed(2)} after,`,
    );
    console.log(`${info.cpus} cores): other work competes with the servers, so expect noisy figures; rerun on a quiet machine.`);
  }
  console.log(`\nResults written to ${path.relative(root, file)}.`);
  if (failures.length > 0) {
    console.error(`\n${loud(["BENCHMARK RUN IS BROKEN: some requests did not get the expected 200 answer", ...failures])}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  const lines = String(error?.message ?? error)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours from wrangler's output.
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, 12)
    .map((l) => l.slice(0, 160));
  console.error(`\n${loud(["BENCHMARK FAILED", ...lines])}`);
  console.error(error);
  await stopAll();
  process.exitCode = 1;
}
