/**
 * The Worker's entry: HTTP (the Hono app), queue batches and the per-minute cron tick.
 * Re-exports the Durable Object, Workflow and WorkerEntrypoint classes. No logic lives here.
 */
import { handleAlertBatch } from "./alerts/alerts.consumer";
import { app } from "./http/app";
import { handleQueueBatch } from "./jobs/queue.consumer";
import { onCron } from "./schedules/cron";

export { ConcurrencyDO } from "../durable-objects/concurrency.do";
export { JobDO } from "../durable-objects/job.do";
export { RateLimitDO } from "../durable-objects/rate-limit.do";
export { RunWorkflow } from "./jobs/run.workflow";

export default {
  fetch: app.fetch,
  // Two queues and their dead-letter queues: job starts and failure alerts.
  queue: (batch, env, ctx) => (batch.queue.startsWith("kiln-alerts") ? handleAlertBatch(batch, env) : handleQueueBatch(batch, env, ctx)),
  scheduled: onCron,
} satisfies ExportedHandler<Env>;
