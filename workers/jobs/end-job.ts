/**
 * Ending a live job from outside its Workflow (cancel, the cron's timeout sweep, a start that was
 * dead-lettered, the deletion of its function): the run ends in D1 first (so no later writer can
 * revive it), its Durable Object refuses further steps, the Workflow instance is terminated, and
 * its concurrency slot (or place in line) is released. Imports contracts, infra and ./slots.
 */
import type { RunError, RunStatus, Trace } from "../lib/contracts/runs";
import { type Db, getVersionManifest } from "../lib/infra/db/functions.repo";
import { listLiveJobs, type RunRow, saveTrace, setRunStatus } from "../lib/infra/db/runs.repo";
import { releaseSlot } from "./slots";

const OPEN_STEP = new Set(["running", "sleeping", "waiting"]);

/** A step the job was in when it was ended from outside stopped there: it reads `cancelled`. */
export function closeOpenSteps(trace: Trace, endedAt: number): Trace {
  return { ...trace, steps: trace.steps.map((s) => (OPEN_STEP.has(s.status) ? { ...s, status: "cancelled", endedAt } : s)) };
}

/** Returns false when the run had already ended (nothing was changed). */
export async function endJob(
  env: Env,
  db: Db,
  run: RunRow,
  status: Extract<RunStatus, "cancelled" | "timed_out" | "failed">,
  error: RunError,
): Promise<boolean> {
  if (!(await setRunStatus(db, run.id, { status, endedAt: Date.now(), error }))) return false;
  const job = env.JOB.getByName(run.id);
  await job.init(run.id, "queued");
  await job.setStatus(status);
  // The Workflow will not reach its final write: keep what the job recorded.
  await saveTrace(db, run.id, closeOpenSteps(await job.recordedTrace(), Date.now()));
  try {
    await (await env.RUN_WORKFLOW.get(run.id)).terminate();
  } catch {
    // Not started yet: the queue consumer skips runs that are no longer queued.
  }
  // A version that is gone (its function was deleted) may have had a limit: release anyway, the
  // line remembers its limit.
  const manifest = await getVersionManifest(db, run.versionId);
  if (manifest === null || manifest.concurrency !== null)
    await releaseSlot(env, run.functionName, run.id, manifest?.concurrency ?? undefined);
  return true;
}

/**
 * Ends every live job of a function that is being deleted (cancelled, saying why) and empties its
 * concurrency line, so a function deployed later under the same name starts clean.
 */
export async function endFunctionJobs(env: Env, db: Db, functionName: string): Promise<number> {
  const error = { message: `the function "${functionName}" was deleted`, name: "FunctionDeleted", step: null, retryable: false };
  let ended = 0;
  for (;;) {
    const live = await listLiveJobs(db, { functionName, limit: 50 });
    if (live.length === 0) break;
    const done = await Promise.all(live.map((run) => endJob(env, db, run, "cancelled", error)));
    ended += done.filter(Boolean).length;
    // A run another path ended meanwhile is no longer listed; one that stays listed would loop.
    if (!done.some(Boolean)) break;
  }
  await env.LIMITER.getByName(functionName).clear();
  return ended;
}
