/**
 * Batches the writes of finished tool runs: records from every request of this isolate collect
 * in a buffer, and the request that finds no flush pending schedules one, under its own
 * `waitUntil`, that writes them all in one D1 batch shortly after. A tool call therefore never
 * waits for D1, and a busy isolate writes many runs per round trip.
 * Records live only in this isolate's memory until the flush (tens of milliseconds, kept alive by
 * waitUntil). A batch that fails is retried run by run, so one bad record never costs the others
 * theirs; a run whose trace still cannot be stored is stored without it, with a log line saying so.
 */
import type { Trace } from "../../contracts/runs";
import { capText } from "../../domain/trace-caps";
import type { Db } from "./functions.repo";
import { type RunRecord, saveFinishedRuns } from "./runs.repo";

const FLUSH_DELAY_MS = 10;
const MAX_RUNS_PER_FLUSH = 25;
/** A flush older than this is presumed dead (its request context was cancelled): start another. */
const STALE_FLUSH_MS = 10_000;

let pending: { run: RunRecord; trace: Trace }[] = [];
let flushStartedAt: number | null = null;

async function flush(db: Db): Promise<void> {
  await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS));
  while (pending.length > 0) {
    const batch = pending.slice(0, MAX_RUNS_PER_FLUSH);
    pending = pending.slice(batch.length);
    try {
      await saveFinishedRuns(db, batch);
    } catch {
      // A batch is one transaction: find the bad run by writing them one at a time.
      for (const item of batch) await saveOne(db, item);
    }
  }
  flushStartedAt = null;
}

/** One run with its trace; failing that, the run alone with a line saying why its trace is missing. */
async function saveOne(db: Db, item: { run: RunRecord; trace: Trace }): Promise<void> {
  try {
    await saveFinishedRuns(db, [item]);
    return;
  } catch (error) {
    const line = {
      level: "error" as const,
      message: capText(`[kiln] this run's trace could not be stored: ${String(error)}`, 1024),
      data: null,
      step: null,
      at: item.run.endedAt ?? item.run.createdAt,
    };
    try {
      await saveFinishedRuns(db, [{ run: item.run, trace: { steps: [], spans: [], logs: [line] } }]);
    } catch (again) {
      console.error(JSON.stringify({ msg: "run record lost", runId: item.run.id, error: String(again) }));
    }
  }
}

/** Buffers a finished run; returns the flush to pass to `waitUntil`, or null if one is already pending. */
export function writeRunSoon(db: Db, run: RunRecord, trace: Trace): Promise<void> | null {
  pending.push({ run, trace });
  const now = Date.now();
  if (flushStartedAt !== null && now - flushStartedAt < STALE_FLUSH_MS) return null;
  flushStartedAt = now;
  return flush(db);
}
