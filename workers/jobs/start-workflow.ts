/**
 * Creating the Workflow instance of a queued job. Called twice per job on purpose: right after
 * the API accepted it (the fast path, under waitUntil) and by the queue consumer (the guarantee).
 * Idempotent: the instance id is the run id, and a run that is no longer queued is left alone.
 */
import type { Manifest } from "../lib/contracts/functions";
import type { JobParams, JobStartMessage } from "../lib/contracts/jobs";
import { scheduleOfRunKey } from "../lib/domain/schedule-slots";
import { database, getVersionManifest } from "../lib/infra/db/functions.repo";
import { allowedFunctionsOf, getRun, type RunRow } from "../lib/infra/db/runs.repo";
import { offloadedKey, payloadKey } from "../lib/infra/payloads";

/**
 * Creates the Workflow instance for a queued run; does nothing for a run that started or ended.
 * The API, which has just stored the run, passes it along (`known`) to save two reads.
 */
export async function startWorkflow(env: Env, message: JobStartMessage, known?: { run: RunRow; manifest: Manifest }): Promise<void> {
  const db = database(env.DB);
  const run = known?.run ?? (await getRun(db, message.runId));
  if (run?.status !== "queued") return;
  const manifest = known?.manifest ?? (await getVersionManifest(db, run.versionId));
  if (!manifest) throw new Error(`version ${run.versionId} of run ${run.id} is gone`);
  // The results to reuse go to the new job's Durable Object, not into the params: the engine stores
  // params with the instance and limits their size, and a run's step results can be many MiB.
  if (message.reuseFrom) await env.JOB.getByName(run.id).adopt(await env.JOB.getByName(message.reuseFrom).stepResults());
  const params: JobParams = {
    runId: run.id,
    functionId: run.functionId,
    functionName: run.functionName,
    versionId: run.versionId,
    versionNumber: run.versionNumber,
    trigger: run.trigger as JobParams["trigger"],
    ...paramsInput(run),
    egress: manifest.egress,
    secrets: manifest.secrets,
    retries: manifest.retries,
    concurrency: manifest.concurrency,
    jobTimeoutMs: manifest.jobTimeoutMs,
    // Only runs a schedule started (callers cannot use the sched: key prefix).
    schedule: run.trigger === "schedule" || run.trigger === "manual" ? scheduleOfRunKey(run.idempotencyKey) : null,
    reusing: message.reuseFrom !== undefined,
    reuse: {},
    tree: {
      parentRunId: run.trigger === "invoke" ? run.parentRunId : null,
      rootRunId: run.rootRunId ?? run.id,
      depth: run.depth,
      allowedFunctions: allowedFunctionsOf(run),
    },
    invokes: manifest.invokes,
  };
  // The job's live state exists before anyone can ask for it; created beside the instance, as
  // the instance's first act (JobDO.begin) creates it too if it gets there first.
  const live = env.JOB.getByName(run.id).init(run.id, "queued");
  try {
    await Promise.all([live, env.RUN_WORKFLOW.create({ id: run.id, params })]);
  } catch (error) {
    // A redelivered message: the instance exists already (its id is the run id).
    if (/already exists/i.test(String(error))) return;
    throw error;
  }
}

/**
 * The run's input as the Workflow gets it: the column's JSON, or for an input over 64 KiB (written
 * to R2 before the run was enqueued) the object's key. The engine keeps its params with the instance
 * (and limits their size), so a large input is read from R2 by run() instead of travelling in them.
 */
export function paramsInput(run: RunRow): Pick<JobParams, "input" | "inputKey"> {
  if (run.input === null) return { input: {}, inputKey: null };
  const key = offloadedKey(run.input, payloadKey(run.id, "input"));
  return key === null ? { input: JSON.parse(run.input), inputKey: null } : { input: null, inputKey: key };
}
