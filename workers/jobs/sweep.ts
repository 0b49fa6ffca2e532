/**
 * What the per-minute cron does for jobs, besides timing out overdue ones: it gives back
 * concurrency slots held by runs that ended (or no longer exist), and nudges jobs whose durable
 * sleep should have ended a while ago. Both are backstops: each is idempotent and harmless when
 * nothing is stuck. Imports contracts, infra and the job modules next to it.
 */
import { TERMINAL_STATUSES } from "../lib/contracts/runs";
import { type Db, listActiveManifests } from "../lib/infra/db/functions.repo";
import { listLiveJobs, runStatuses } from "../lib/infra/db/runs.repo";
import { releaseSlot, wakeGranted } from "./slots";

/** The event type that revives a sleeping instance the engine forgot; no ctx.waitForEvent can ask for it. */
export const WAKE_EVENT = "kiln-wake";
/** How late a sleep must be before it is nudged: production's engine wakes it itself, well within this. */
export const SLEEP_NUDGE_GRACE_MS = 30_000;
const NUDGES_PER_TICK = 200;
const PARALLEL = 10;

async function inParallel<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(work));
}

/**
 * Releases every slot or place in line held by a run that ended or is unknown to D1 (a lost
 * release: a crash between the end of a run and its release), and wakes again the runs granted a
 * slot that have not started (a lost wake-up: after a local restart their re-check timer is gone,
 * like a sleep's; an extra wake-up only makes a run check the line once more). Returns how many
 * slots were reclaimed.
 */
export async function reclaimStuckSlots(env: Env, db: Db): Promise<number> {
  const limited = (await listActiveManifests(db)).filter((f) => f.manifest.concurrency !== null);
  let reclaimed = 0;
  await inParallel(limited, async ({ name, manifest }) => {
    const line = await env.LIMITER.getByName(name).snapshot();
    const held = [...line.running, ...line.waiting];
    if (held.length === 0) return;
    const statuses = await runStatuses(db, held);
    const stuck = held.filter((id) => {
      const status = statuses.get(id);
      return status === undefined || TERMINAL_STATUSES.includes(status);
    });
    await wakeGranted(
      env,
      line.running.filter((id) => statuses.get(id) === "queued"),
    );
    if (stuck.length === 0) return;
    console.warn(JSON.stringify({ msg: "reclaimed stuck concurrency slots", function: name, runIds: stuck }));
    await releaseSlot(env, name, stuck, manifest.concurrency ?? undefined);
    reclaimed += stuck.length;
  });
  return reclaimed;
}

/**
 * Sends a kiln-internal event to jobs still sleeping well past their wake time (or waiting for an
 * event well past its timeout). The local engine keeps these timers only in memory, so after a
 * restart the instance sleeps forever; an event makes it replay run(), and the sleep, now past,
 * returns at once (a timed-out wait throws its timeout; completed steps do not run again). In
 * production the engine has ended them already, so nothing qualifies.
 */
export async function nudgeOverdueSleeps(env: Env, db: Db, now: number): Promise<number> {
  const before = now - SLEEP_NUDGE_GRACE_MS;
  const live = await listLiveJobs(db, { startedBefore: before, limit: NUDGES_PER_TICK });
  let nudged = 0;
  await inParallel(live, async (run) => {
    if (!(await env.JOB.getByName(run.id).overdueTimer(before))) return;
    try {
      await (await env.RUN_WORKFLOW.get(run.id)).sendEvent({ type: WAKE_EVENT, payload: null });
      nudged++;
    } catch (error) {
      console.warn(JSON.stringify({ msg: "sleep nudge failed", runId: run.id, error: String(error) }));
    }
  });
  return nudged;
}
