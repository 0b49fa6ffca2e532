/**
 * The retention sweep of the per-minute tick: deletes runs past their function's retention (the
 * function's own `retentionDays`, else KILN_RUN_RETENTION_DAYS, else 30 days) with everything
 * they own, tool-call idempotency claims past their 24-hour window, and webhook deliveries older
 * than the default retention; a run's payloads in R2 (input, output, step results), a job's
 * Durable Object state and a delivery's body in R2 go with them. Work is cut into batches of at
 * most RETENTION_BATCH runs, each its own short D1 batch, and a tick does a bounded number of them:
 * a backlog drains over ticks instead of holding the database. Imports lib/infra only.
 */
import type { Db } from "../lib/infra/db/functions.repo";
import {
  deleteDeliveries,
  deleteRuns,
  expiredDeliveries,
  expiredRunIds,
  jobRunsOf,
  pruneToolKeys,
  runsWithPayloads,
} from "../lib/infra/db/retention.repo";
import { deleteKeys, deletePayloads, deliveryKey } from "../lib/infra/payloads";

export const DEFAULT_RETENTION_DAYS = 30;
/** Runs deleted by one D1 batch (steps, spans, logs and index rows go with them). */
export const RETENTION_BATCH = 500;
/** Batches of runs per tick: at most 2,000 runs a minute, far above a realistic expiry rate. */
const BATCHES_PER_TICK = 4;
/** Kept as long as a repeat of the call may still use the claim (IDEMPOTENCY_WINDOW_MS, checked by a test). */
export const TOOL_KEY_KEEP_MS = 24 * 60 * 60 * 1000;

/** KILN_RUN_RETENTION_DAYS when it is a whole number of days from 1 to 3650, else the default. */
export function retentionDays(env: object): number {
  const days = Number(Reflect.get(env, "KILN_RUN_RETENTION_DAYS"));
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : DEFAULT_RETENTION_DAYS;
}

/** Job Durable Objects cleared at once (each is one call). */
const FORGET_AT_ONCE = 50;

/** Deletes expired runs in batches; returns how many. */
export async function pruneRuns(
  db: Db,
  o: { now: number; defaultDays: number; payloads?: R2Bucket; jobs?: Env["JOB"]; batch?: number; batches?: number },
): Promise<number> {
  const batch = o.batch ?? RETENTION_BATCH;
  let deleted = 0;
  for (let i = 0; i < (o.batches ?? BATCHES_PER_TICK); i++) {
    const ids = await expiredRunIds(db, { now: o.now, defaultDays: o.defaultDays, limit: batch });
    // Objects first: a failure then leaves runs to retry next tick, never objects no run points to.
    // Only runs with a marker may have objects: the others cost no R2 list.
    if (ids.length > 0 && o.payloads) await deletePayloads(o.payloads, await runsWithPayloads(db, ids));
    // A job's Durable Object keeps its step results, logs and output: cleared the same way, first.
    if (ids.length > 0 && o.jobs) await forgetJobs(o.jobs, await jobRunsOf(db, ids));
    if (ids.length > 0) await deleteRuns(db, ids);
    deleted += ids.length;
    if (ids.length < batch) break;
  }
  return deleted;
}

async function forgetJobs(jobs: Env["JOB"], ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += FORGET_AT_ONCE)
    await Promise.all(ids.slice(i, i + FORGET_AT_ONCE).map((id) => jobs.getByName(id).forget()));
}

/** Deletes one batch of old deliveries, their bodies in R2 first (as for runs). */
async function pruneDeliveries(db: Db, payloads: R2Bucket, before: number): Promise<number> {
  const expired = await expiredDeliveries(db, before, RETENTION_BATCH);
  const keys = expired.filter((d) => d.offloaded).map((d) => deliveryKey(d.endpointId, d.id));
  if (keys.length > 0) await deleteKeys(payloads, keys);
  return deleteDeliveries(
    db,
    expired.map((d) => d.id),
  );
}

/** The whole sweep; returns how many rows of each kind it deleted. */
export async function sweepRetention(
  env: Pick<Env, "PAYLOADS" | "JOB">,
  db: Db,
  now: number,
): Promise<{ runs: number; toolKeys: number; deliveries: number }> {
  const defaultDays = retentionDays(env);
  const runs = await pruneRuns(db, { now, defaultDays, payloads: env.PAYLOADS, jobs: env.JOB });
  const toolKeys = await pruneToolKeys(db, now - TOOL_KEY_KEEP_MS, RETENTION_BATCH);
  const deliveries = await pruneDeliveries(db, env.PAYLOADS, now - defaultDays * 86_400_000);
  return { runs, toolKeys, deliveries };
}
