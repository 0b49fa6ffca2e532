/**
 * Queue consumers. `kiln-jobs`: makes sure each accepted job has its Workflow instance (the API
 * usually created it already; delivery is at least once and the instance id is the run id, so
 * this is idempotent). `kiln-jobs-dlq`: job starts that failed every retry; their runs end as
 * failed (so they show in the dead-letter list) and give up their place in the concurrency line.
 */
import { JobStartMessage } from "../lib/contracts/jobs";
import { database } from "../lib/infra/db/functions.repo";
import { getRun } from "../lib/infra/db/runs.repo";
import { endJob } from "./end-job";
import { startWorkflow } from "./start-workflow";

const DEAD_LETTER_QUEUE = "kiln-jobs-dlq";

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ msg, ...fields }));
}

/**
 * Only a run still queued is ended here: one that started has its Workflow, which ends it. Ending
 * it also terminates any instance the fast path created, so it cannot take a slot later.
 */
async function deadLetter(env: Env, message: JobStartMessage): Promise<void> {
  const db = database(env.DB);
  const run = await getRun(db, message.runId);
  if (run?.status !== "queued") return;
  await endJob(env, db, run, "failed", {
    message: "the job could not be started: every delivery of its start message failed",
    name: "StartFailed",
    step: null,
    retryable: true,
  });
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
