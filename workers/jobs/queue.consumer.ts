/**
 * Queue consumers. `kiln-jobs`: makes sure each accepted job has its Workflow instance (the API
 * usually created it already; delivery is at least once and the instance id is the run id, so
 * this is idempotent), and each acknowledged webhook delivery its job (./delivery-job).
 * `kiln-jobs-dlq`: starts that failed every retry; a job's run ends as failed (so it shows in the
 * dead-letter list) and gives up its place in the concurrency line; a delivery says why it has no run.
 */
import { z } from "zod";
import { JobStartMessage } from "../lib/contracts/jobs";
import { DeliveryStartMessage } from "../lib/contracts/webhooks";
import { type Db, database } from "../lib/infra/db/functions.repo";
import { getRun } from "../lib/infra/db/runs.repo";
import { deliveryStartFailed, startQueuedDelivery } from "./delivery-job";
import { endJob } from "./end-job";
import { startWorkflow } from "./start-workflow";

const QueueMessage = z.union([JobStartMessage, DeliveryStartMessage]);
type QueueMessage = z.infer<typeof QueueMessage>;

const DEAD_LETTER_QUEUE = "kiln-jobs-dlq";

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ msg, ...fields }));
}

/**
 * Only a run still queued is ended here: one that started has its Workflow, which ends it. Ending
 * it also terminates any instance the fast path created, so it cannot take a slot later.
 */
async function deadLetter(env: Env, db: Db, message: JobStartMessage): Promise<void> {
  const run = await getRun(db, message.runId);
  if (run?.status !== "queued") return;
  await endJob(env, db, run, "failed", {
    message: "the job could not be started: every delivery of its start message failed",
    name: "StartFailed",
    step: null,
    retryable: true,
  });
}

async function handle(env: Env, ctx: ExecutionContext, db: Db, queue: string, m: QueueMessage): Promise<void> {
  const dead = queue === DEAD_LETTER_QUEUE;
  if ("deliveryId" in m) await (dead ? deliveryStartFailed(db, m) : startQueuedDelivery(env, ctx, db, m));
  else await (dead ? deadLetter(env, db, m) : startWorkflow(env, m));
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const db = database(env.DB);
  for (const message of batch.messages) {
    const parsed = QueueMessage.safeParse(message.body);
    if (!parsed.success) {
      // Never valid, so never retried; logged with the message id for inspection.
      log("dropping malformed job message", { queue: batch.queue, id: message.id, issues: parsed.error.issues });
      message.ack();
      continue;
    }
    try {
      await handle(env, ctx, db, batch.queue, parsed.data);
      message.ack();
    } catch (error) {
      log("job start failed; will retry", {
        queue: batch.queue,
        message: parsed.data,
        attempts: message.attempts,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
