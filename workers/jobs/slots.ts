/**
 * Releasing a job's concurrency slot and waking the runs that were granted one.
 */
export const SLOT_EVENT = "kiln-slot";

export async function releaseSlot(env: Env, functionName: string, runId: string, limit: number): Promise<void> {
  const granted = await env.LIMITER.getByName(functionName).release(runId, limit);
  await Promise.all(
    granted.map((id) =>
      env.RUN_WORKFLOW.get(id)
        .then((instance) => instance.sendEvent({ type: SLOT_EVENT, payload: null }))
        // A missed wake-up costs one re-check interval, never the job (see RunWorkflow.waitForSlot).
        .catch((error: unknown) => console.warn(JSON.stringify({ msg: "slot wake-up failed", runId: id, error: String(error) }))),
    ),
  );
}
