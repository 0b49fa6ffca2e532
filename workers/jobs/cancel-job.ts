/**
 * Cancelling a job: the run ends as `cancelled` in D1 first (so no later writer can revive it),
 * its Durable Object refuses further steps, the Workflow instance is terminated, and its
 * concurrency slot (or place in line) is released.
 */
import { AppError } from "../lib/errors";
import { type Db, getActiveFunction } from "../lib/infra/db/functions.repo";
import { type RunRow, setRunStatus } from "../lib/infra/db/runs.repo";
import { releaseSlot } from "./slots";

export async function cancelJob(env: Env, db: Db, run: RunRow, by: string): Promise<void> {
  const cancelled = await setRunStatus(db, run.id, {
    status: "cancelled",
    endedAt: Date.now(),
    error: { message: `cancelled by ${by}`, name: "Cancelled", step: null, retryable: false },
  });
  if (!cancelled) throw new AppError("conflict", 409, `job "${run.id}" already ended`);
  const job = env.JOB.getByName(run.id);
  await job.init(run.id, "queued");
  await job.setStatus("cancelled");
  try {
    await (await env.RUN_WORKFLOW.get(run.id)).terminate();
  } catch {
    // Not started yet: the queue consumer skips runs that are no longer queued.
  }
  const fn = await getActiveFunction(db, run.functionName);
  await releaseSlot(env, run.functionName, run.id, fn?.manifest.concurrency ?? 1);
}
