/**
 * The Worker's entry: HTTP (the Hono app), queue batches and the per-minute cron tick.
 * Re-exports the Durable Object, Workflow and WorkerEntrypoint classes. No logic lives here.
 */
import { app } from "./http/app";
import { handleQueueBatch } from "./jobs/queue.consumer";
import { onCron } from "./schedules/cron";

export { ConcurrencyDO } from "../durable-objects/concurrency.do";
export { JobDO } from "../durable-objects/job.do";
export { RateLimitDO } from "../durable-objects/rate-limit.do";
export { RunWorkflow } from "./jobs/run.workflow";

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
  scheduled: onCron,
} satisfies ExportedHandler<Env>;
