/**
 * Batches the writes of finished tool runs: records from every request of this isolate collect
 * in a buffer, and the request that finds no flush pending schedules one, under its own
 * `waitUntil`, that writes them all in one D1 batch shortly after. A tool call therefore never
 * waits for D1, and a busy isolate writes many runs per round trip.
 * Records live only in this isolate's memory until the flush (tens of milliseconds, kept alive by
 * waitUntil); a flush that fails is retried once, then logged with the run ids.
 */
import type { Trace } from "../../contracts/runs";
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
      await saveFinishedRuns(db, batch).catch(() => saveFinishedRuns(db, batch));
    } catch (error) {
      console.error(JSON.stringify({ msg: "run records lost", runIds: batch.map((b) => b.run.id), error: String(error) }));
    }
  }
  flushStartedAt = null;
}

/** Buffers a finished run; returns the flush to pass to `waitUntil`, or null if one is already pending. */
export function writeRunSoon(db: Db, run: RunRecord, trace: Trace): Promise<void> | null {
  pending.push({ run, trace });
  const now = Date.now();
  if (flushStartedAt !== null && now - flushStartedAt < STALE_FLUSH_MS) return null;
  flushStartedAt = now;
  return flush(db);
}
