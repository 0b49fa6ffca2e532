/**
 * A verified webhook delivery's job. The acknowledgement stores the delivery and enqueues a
 * `DeliveryStartMessage` before answering (both durable), then tries this at once after the answer;
 * the queue consumer runs it again until the delivery has its run. Idempotent: the job's key is the
 * endpoint and provider event id, and its input is built from the stored delivery only, so every
 * attempt (and every redelivery) names the same run.
 */
import type { DeliveryStartMessage, WebhookJobInput } from "../lib/contracts/webhooks";
import { parsePayload } from "../lib/domain/webhook-verify";
import { type Db, getActiveFunction } from "../lib/infra/db/functions.repo";
import { type DeliveryRow, type Endpoint, getDelivery, getEndpoint, setDeliveryRun } from "../lib/infra/db/webhooks.repo";
import { deliveryKey, getPayload, offloadedKey } from "../lib/infra/payloads";
import { startJob } from "./start-job";

/**
 * A stored delivery's whole body: its column, or the R2 object its marker names (a body over 64
 * KiB, written before the delivery was acknowledged). Null for a rejected delivery (no body kept)
 * or an object that is gone.
 */
export async function deliveryBody(bucket: R2Bucket, d: DeliveryRow): Promise<string | null> {
  const key = offloadedKey(d.payload, deliveryKey(d.endpointId, d.id));
  return key === null ? d.payload : getPayload(bucket, key);
}

/** The job input of a stored delivery: the same bytes for every redelivery and replay. */
export async function jobInputOf(bucket: R2Bucket, endpoint: Endpoint, d: DeliveryRow): Promise<WebhookJobInput> {
  const body = await deliveryBody(bucket, d);
  // Its job must get the body it was sent, never the marker: retried until the object can be read.
  if (body === null && d.payload !== null) throw new Error(`the body of delivery ${d.id} is not in R2`);
  return {
    provider: endpoint.provider,
    endpoint: endpoint.id,
    event: {
      id: d.eventId ?? d.id,
      type: d.eventType,
      receivedAt: new Date(d.receivedAt).toISOString(),
      headers: JSON.parse(d.headers) as Record<string, string>,
      payload: parsePayload(body ?? ""),
    },
  };
}

/**
 * Starts the delivery's job (trigger `webhook`) and records the run on the delivery. A target that
 * is not deployed as a job leaves the delivery stored without a run and with the reason (it can be
 * replayed once the function is deployed).
 */
export async function startDeliveryJob(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  db: Db,
  endpoint: Endpoint,
  d: DeliveryRow,
): Promise<void> {
  const fn = await getActiveFunction(db, endpoint.functionName);
  if (!fn?.manifest.exposures.job) {
    await setDeliveryRun(db, d.id, null, `function "${endpoint.functionName}" is not deployed as a job`);
    return;
  }
  const idempotencyKey = `webhook:${endpoint.id}:${d.eventId}`;
  const input = await jobInputOf(env.PAYLOADS, endpoint, d);
  const { run } = await startJob(env, ctx, db, fn, input, { trigger: "webhook", idempotencyKey });
  await setDeliveryRun(db, d.id, run.id, null);
}

/** The queue's side: start the job of a stored delivery unless it has one (or is gone). */
export async function startQueuedDelivery(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, db: Db, m: DeliveryStartMessage) {
  const d = await getDelivery(db, m.deliveryId);
  if (d?.status !== "accepted" || d.runId !== null) return;
  const endpoint = await getEndpoint(db, d.endpointId);
  if (endpoint) await startDeliveryJob(env, ctx, db, endpoint, d);
}

/** The dead-letter side: the delivery stays stored, without a run, saying why (replayable). */
export async function deliveryStartFailed(db: Db, m: DeliveryStartMessage): Promise<void> {
  const d = await getDelivery(db, m.deliveryId);
  if (d && d.runId === null) await setDeliveryRun(db, d.id, null, "its job could not be started: every attempt failed; replay it");
}
