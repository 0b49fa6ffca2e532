/**
 * Ending a live job from outside its Workflow (cancel, or the cron's timeout sweep): the run
 * ends in D1 first (so no later writer can revive it), its Durable Object refuses further steps,
 * the Workflow instance is terminated, and its concurrency slot (or place in line) is released.
 */
import type { RunError, RunStatus } from "../lib/contracts/runs";
import { type Db, getVersionManifest } from "../lib/infra/db/functions.repo";
import { type RunRow, saveTrace, setRunStatus } from "../lib/infra/db/runs.repo";
import { releaseSlot } from "./slots";

/** Returns false when the run had already ended (nothing was changed). */
export async function endJob(
  env: Env,
  db: Db,
  run: RunRow,
  status: Extract<RunStatus, "cancelled" | "timed_out">,
  error: RunError,
): Promise<boolean> {
  if (!(await setRunStatus(db, run.id, { status, endedAt: Date.now(), error }))) return false;
  const job = env.JOB.getByName(run.id);
  await job.init(run.id, "queued");
  await job.setStatus(status);
  // The Workflow will not reach its final write: keep what the job recorded.
  await saveTrace(db, run.id, await job.recordedTrace());
  try {
    await (await env.RUN_WORKFLOW.get(run.id)).terminate();
  } catch {
    // Not started yet: the queue consumer skips runs that are no longer queued.
  }
  const manifest = await getVersionManifest(db, run.versionId);
  if (manifest?.concurrency) await releaseSlot(env, run.functionName, run.id, manifest.concurrency);
  return true;
}
