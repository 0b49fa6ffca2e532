/**
 * Ending a live job from outside its Workflow (cancel, the cron's timeout sweep, a start that was
 * dead-lettered, the deletion of its function): the run ends in D1 first (so no later writer can
 * revive it), its Durable Object refuses further steps, the Workflow instance is terminated, and
 * its concurrency slot (or place in line) is released. A run never outlives the run that invoked
 * it: its live children are cancelled, and a child's end wakes its waiting parent.
 * Imports contracts, domain, infra and ./slots.
 */
import { noteRunEnded, runFacts } from "../alerts/note-run-ended";
import type { RunError, RunStatus, RunTrigger, Trace } from "../lib/contracts/runs";
import { childEndedEvent } from "../lib/domain/invoke-rules";
import { type Db, getVersionManifest } from "../lib/infra/db/functions.repo";
import { listLiveChildJobs, listLiveJobs, type RunRow, saveTrace, setRunStatus } from "../lib/infra/db/runs.repo";
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
  const endedAt = Date.now();
  if (!(await setRunStatus(db, run.id, { status, endedAt, error }))) return false;
  const job = env.JOB.getByName(run.id);
  await job.init(run.id, "queued");
  await job.setStatus(status);
  // The Workflow will not reach its final write: keep what the job recorded.
  await saveTrace(db, run, closeOpenSteps(await job.recordedTrace(), Date.now()));
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
  await cancelChildren(env, db, run.id, status);
  if (run.trigger === "invoke" && run.parentRunId) await notifyParent(env, run.parentRunId, run.id);
  // Timed out by the sweep, or a start that was dead-lettered (a cancellation alerts no one).
  await noteRunEnded(env, db, runFacts({ ...run, trigger: run.trigger as RunTrigger, status, error, endedAt }));
  return true;
}

/** Ends the live child jobs of a run that ended (recursively: each child cancels its own). */
export async function cancelChildren(env: Env, db: Db, parentRunId: string, parentStatus: RunStatus): Promise<void> {
  const children = await listLiveChildJobs(db, parentRunId);
  const error = { message: `its parent run ${parentRunId} ended (${parentStatus})`, name: "ParentEnded", step: null, retryable: false };
  await Promise.all(children.map((child) => endJob(env, db, child, "cancelled", error)));
}

/**
 * Wakes a parent waiting in ctx.invoke for this child. Best effort: the parent also re-reads the
 * child's status now and then, so a lost event only delays it; an ended parent ignores it.
 */
export async function notifyParent(env: Env, parentRunId: string, childRunId: string): Promise<void> {
  try {
    await (await env.RUN_WORKFLOW.get(parentRunId)).sendEvent({ type: childEndedEvent(childRunId), payload: null });
  } catch {
    // The parent's instance is gone or ended: nobody is waiting.
  }
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
