/**
 * The per-minute cron tick. Today it sweeps jobs that outlived their jobTimeoutMs (a backstop for
 * the Workflow's own timer, which cannot fire while its instance is not running); due schedules
 * will be dispatched here too.
 */
import { endJob } from "../jobs/end-job";
import { database } from "../lib/infra/db/functions.repo";
import { listOverdueJobs } from "../lib/infra/db/runs.repo";

export async function sweepOverdueJobs(env: Env, now: number): Promise<number> {
  const db = database(env.DB);
  let ended = 0;
  for (const run of await listOverdueJobs(db, now)) {
    const error = { message: "the job ran past its jobTimeoutMs", name: "TimeoutError", step: null, retryable: true };
    if (await endJob(env, db, run, "timed_out", error)) ended++;
  }
  return ended;
}

export async function onCron(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const swept = await sweepOverdueJobs(env, controller.scheduledTime);
  if (swept > 0) console.log(JSON.stringify({ msg: "timed out overdue jobs", count: swept }));
}
