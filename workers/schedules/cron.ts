/**
 * The per-minute cron tick. It sweeps jobs that outlived their jobTimeoutMs (a backstop for the
 * Workflow's own timer, which cannot fire while its instance is not running), gives back
 * concurrency slots held by ended runs, and nudges jobs whose sleep is long overdue (the local
 * engine forgets sleeps across a restart), starts the user schedules that are due (dispatch.ts),
 * deletes what is past its retention (retention.ts) and prunes run rollups older than 8 days. Under
 * `npm run dev` a ticker in scripts/dev.mjs fires it, since wrangler dev never does by itself.
 */
import { endJob } from "../jobs/end-job";
import { nudgeOverdueSleeps, reclaimStuckSlots } from "../jobs/sweep";
import { minuteOf } from "../lib/domain/metrics";
import { database } from "../lib/infra/db/functions.repo";
import { pruneRollups } from "../lib/infra/db/rollups.repo";
import { listOverdueJobs } from "../lib/infra/db/runs.repo";
import { dispatchDueSchedules } from "./dispatch";
import { sweepRetention } from "./retention";

export async function sweepOverdueJobs(env: Env, now: number): Promise<number> {
  const db = database(env.DB);
  let ended = 0;
  for (const run of await listOverdueJobs(db, now)) {
    const error = { message: "the job ran past its jobTimeoutMs", name: "TimeoutError", step: null, retryable: true };
    if (await endJob(env, db, run, "timed_out", error)) ended++;
  }
  return ended;
}

/** Rollups are read for 7 days at most; a day more of slack. */
export const ROLLUP_KEEP_MINUTES = 8 * 24 * 60;
/** Bounded per tick: a backlog (after a long pause of the cron) drains over the following minutes. */
const ROLLUP_PRUNE_BATCH = 5_000;

export async function pruneOldRollups(env: Env, now: number): Promise<number> {
  return pruneRollups(database(env.DB), minuteOf(now) - ROLLUP_KEEP_MINUTES, ROLLUP_PRUNE_BATCH);
}

/** Each sweep runs even if another failed: one stuck part must not stop the rest. */
export async function onCron(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const now = controller.scheduledTime;
  const db = database(env.DB);
  const results = await Promise.allSettled([
    sweepOverdueJobs(env, now),
    reclaimStuckSlots(env, db),
    nudgeOverdueSleeps(env, db, now),
    dispatchDueSchedules(env, ctx, now),
    sweepRetention(env, db, now).then((r) => r.runs + r.toolKeys + r.deliveries),
    pruneOldRollups(env, now),
  ]);
  const [timedOut, reclaimed, nudged, scheduled, pruned, rollups] = results.map((r) => (r.status === "fulfilled" ? r.value : 0));
  if (timedOut || reclaimed || nudged || scheduled || pruned || rollups)
    console.log(JSON.stringify({ msg: "cron sweep", timedOut, reclaimed, nudged, scheduled, pruned, rollups }));
  const failed = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
  if (failed.length > 0) throw new AggregateError(failed, `cron sweep failed: ${failed.join("; ")}`);
}
