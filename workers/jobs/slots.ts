/**
 * Releasing jobs' concurrency slots and waking the runs that were granted one. Imports contracts
 * and infra only; used by every path that ends a job (finish, cancel, timeout, dead letter,
 * deletion of the function, the sweep of stuck slots).
 */
export const SLOT_EVENT = "kiln-slot";

/**
 * Frees the slots (or places in line) of runs that ended. Without a limit, the line uses the one
 * it remembers, so callers that cannot read the run's version (it may be gone) can still release.
 */
export async function releaseSlot(env: Env, functionName: string, runIds: string | string[], limit?: number): Promise<void> {
  await wakeGranted(env, await env.LIMITER.getByName(functionName).release(runIds, limit));
}

/** Tells runs granted a slot to take it (their Workflows wait for this event, re-checking now and then). */
export async function wakeGranted(env: Env, runIds: string[]): Promise<void> {
  await Promise.all(
    runIds.map((id) =>
      env.RUN_WORKFLOW.get(id)
        .then((instance) => instance.sendEvent({ type: SLOT_EVENT, payload: null }))
        // A missed wake-up costs one re-check interval, never the job (see RunWorkflow.waitForSlot).
        .catch((error: unknown) => console.warn(JSON.stringify({ msg: "slot wake-up failed", runId: id, error: String(error) }))),
    ),
  );
}
