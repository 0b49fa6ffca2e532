/**
 * Queue consumers. `kiln-jobs`: turns each accepted job into a Workflow instance (idempotent:
 * delivery is at least once, and the instance id is the run id). `kiln-jobs-dlq`: job starts that
 * failed every retry; their runs are marked failed, so they show in the dead-letter list.
 */
import { type JobParams, JobStartMessage } from "../lib/contracts/jobs";
import { database, getVersionManifest } from "../lib/infra/db/functions.repo";
import { getRun, setRunStatus } from "../lib/infra/db/runs.repo";

const DEAD_LETTER_QUEUE = "kiln-jobs-dlq";

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ msg, ...fields }));
}

/** Creates the Workflow instance for a queued run; does nothing for a run that started or ended. */
export async function startWorkflow(env: Env, message: JobStartMessage): Promise<void> {
  const db = database(env.DB);
  const run = await getRun(db, message.runId);
  if (run?.status !== "queued") return;
  const manifest = await getVersionManifest(db, run.versionId);
  if (!manifest) throw new Error(`version ${run.versionId} of run ${run.id} is gone`);
  await env.JOB.getByName(run.id).init(run.id, "queued");
  const reuse = message.reuseFrom ? await env.JOB.getByName(message.reuseFrom).stepResults() : {};
  const params: JobParams = {
    runId: run.id,
    functionId: run.functionId,
    functionName: run.functionName,
    versionId: run.versionId,
    versionNumber: run.versionNumber,
    trigger: run.trigger as JobParams["trigger"],
    input: run.input === null ? {} : JSON.parse(run.input),
    egress: manifest.egress,
    retries: manifest.retries,
    concurrency: manifest.concurrency,
    jobTimeoutMs: manifest.jobTimeoutMs,
    reuse,
  };
  try {
    await env.RUN_WORKFLOW.create({ id: run.id, params });
  } catch (error) {
    // A redelivered message: the instance exists already (its id is the run id).
    if (/already exists/i.test(String(error))) return;
    throw error;
  }
}

async function deadLetter(env: Env, message: JobStartMessage): Promise<void> {
  const changed = await setRunStatus(database(env.DB), message.runId, {
    status: "failed",
    endedAt: Date.now(),
    error: {
      message: "the job could not be started: every delivery of its start message failed",
      name: "StartFailed",
      step: null,
      retryable: true,
    },
  });
  if (changed) await env.JOB.getByName(message.runId).setStatus("failed");
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const message of batch.messages) {
    const parsed = JobStartMessage.safeParse(message.body);
    if (!parsed.success) {
      // Never valid, so never retried; logged with the message id for inspection.
      log("dropping malformed job message", { queue: batch.queue, id: message.id, issues: parsed.error.issues });
      message.ack();
      continue;
    }
    try {
      if (batch.queue === DEAD_LETTER_QUEUE) await deadLetter(env, parsed.data);
      else await startWorkflow(env, parsed.data);
      message.ack();
    } catch (error) {
      log("job start failed; will retry", {
        queue: batch.queue,
        runId: parsed.data.runId,
        attempts: message.attempts,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
