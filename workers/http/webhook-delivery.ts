/**
 * Receiving a webhook delivery: verify the raw bytes against the endpoint's live secrets, store the
 * delivery, enqueue the start of its job, answer; the job is started right after the answer (and by
 * the queue consumer if that fails: workers/jobs/delivery-job.ts). Both writes are durable before
 * the 2xx, so an acknowledged event survives a crash right after the answer, and the answer does
 * not wait for the job. A body over 64 KiB is stored whole in R2 (also before the 2xx; only such a
 * body costs that write) and the row keeps a marker. A redelivery of the same provider event id
 * starts nothing new: the delivery row is unique per endpoint and event id, and so is the job's
 * idempotency key.
 */
import type { Context } from "hono";
import { startDeliveryJob } from "../jobs/delivery-job";
import type { DeliveryStartMessage } from "../lib/contracts/webhooks";
import { eventIdentity, matchesFilter, parsePayload, verifyDelivery } from "../lib/domain/webhook-verify";
import { sha256Hex } from "../lib/infra/crypto";
import { endpointForDelivery, liveSecrets, type VerifyingEndpoint } from "../lib/infra/db/endpoint-cache";
import { type DeliveryRow, deleteDelivery, type Endpoint, insertRejected, insertVerified } from "../lib/infra/db/webhooks.repo";
import { newId } from "../lib/infra/ids";
import { deliveryKey, offloadColumn, putPayloads } from "../lib/infra/payloads";
import { keyringOf, SealingError } from "../lib/infra/sealing";
import type { AppEnv } from "./types";

/** The headers kept with a delivery and given to the function: type, delivery id, user agent. */
const KEPT_HEADERS = [
  "user-agent",
  "content-type",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
  "webhook-id",
  "webhook-timestamp",
];
const MAX_EVENT_ID_CHARS = 256;

/** Lower-case header name → value, or null. */
export type HeaderOf = (name: string) => string | null;

function keptHeaders(header: HeaderOf, endpoint: Endpoint): Record<string, string> {
  const names = [...KEPT_HEADERS, endpoint.hmac?.idHeader, endpoint.hmac?.typeHeader, endpoint.hmac?.timestampHeader];
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = name ? header(name) : null;
    if (name && value !== null) out[name] = value.slice(0, 512);
  }
  return out;
}

const answer = (c: Context<AppEnv>, status: 200 | 400 | 401, text: string) => c.text(text, status);

async function reject(c: Context<AppEnv>, header: HeaderOf, endpoint: Endpoint, reason: string, now: number, status: 400 | 401) {
  const row: DeliveryRow = {
    id: newId("dlv", now),
    endpointId: endpoint.id,
    status: "rejected",
    reason,
    eventId: null,
    eventType: null,
    runId: null,
    receivedAt: now,
    headers: JSON.stringify(keptHeaders(header, endpoint)),
    payload: null,
  };
  await insertRejected(c.get("db"), row);
  return answer(c, status, "signature verification failed");
}

/**
 * The endpoint `id` ready to verify deliveries, or null when unknown. Secrets that cannot be
 * unsealed (KILN_SECRETS_KEY missing or changed) are a 503 for the sender, who retries; the reason
 * goes to the log, not to the sender.
 */
export async function loadDeliveryEndpoint(
  c: Context<AppEnv>,
  id: string,
  fresh = false,
): Promise<VerifyingEndpoint | null | "unavailable"> {
  try {
    return await endpointForDelivery(c.get("db"), () => keyringOf(c.env), id, Date.now(), fresh);
  } catch (error) {
    if (!(error instanceof SealingError)) throw error;
    console.error(JSON.stringify({ msg: "webhook secrets unavailable", endpoint: id, error: error.message }));
    return "unavailable";
  }
}

/** Verifies against the (possibly cached) secrets, and once more against the stored ones on failure. */
async function verify(c: Context<AppEnv>, v: VerifyingEndpoint, body: Uint8Array, header: HeaderOf, now: number) {
  const verdict = await verifyDelivery({ ...v.endpoint, header, body, secrets: liveSecrets(v, now), now });
  if (verdict.ok || !v.cached) return verdict;
  const stored = await loadDeliveryEndpoint(c, v.endpoint.id, true);
  if (stored === null || stored === "unavailable" || !stored.endpoint.enabled) return verdict;
  return verifyDelivery({ ...stored.endpoint, header, body, secrets: liveSecrets(stored, now), now });
}

/** Makes sure a stored, accepted delivery without a run gets one: a durable queue message first. */
async function enqueueStart(c: Context<AppEnv>, endpoint: Endpoint, row: DeliveryRow): Promise<void> {
  const message: DeliveryStartMessage = { deliveryId: row.id };
  await c.env.JOB_QUEUE.send(message, { contentType: "json" });
  const fastStart = startDeliveryJob(c.env, c.executionCtx, c.get("db"), endpoint, row);
  c.executionCtx.waitUntil(
    fastStart.catch((e: unknown) =>
      console.warn(JSON.stringify({ msg: "fast delivery start failed", delivery: row.id, error: String(e) })),
    ),
  );
}

/**
 * Verifies, stores and enqueues one delivery of a known, enabled endpoint. `header` reads the
 * delivery's headers (the request's, or a signed test event's).
 */
export async function receiveDelivery(c: Context<AppEnv>, v: VerifyingEndpoint, body: Uint8Array, header: HeaderOf): Promise<Response> {
  const { endpoint } = v;
  const now = Date.now();
  const verdict = await verify(c, v, body, header, now);
  if (!verdict.ok) return reject(c, header, endpoint, verdict.reason, now, verdict.reason === "bad_signature" ? 401 : 400);
  const text = new TextDecoder().decode(body);
  const payload = parsePayload(text);
  const { id: eventId, type } = eventIdentity(endpoint.provider, endpoint.hmac, header, payload, await sha256Hex(body));
  if (eventId === null || eventId.length > MAX_EVENT_ID_CHARS) return reject(c, header, endpoint, "no_event_id", now, 400);
  const filtered = !matchesFilter(endpoint.events, type);
  const id = newId("dlv", now);
  const stored = offloadColumn(deliveryKey(endpoint.id, id), text);
  const { row, created } = await insertVerified(c.get("db"), {
    id,
    endpointId: endpoint.id,
    status: filtered ? "filtered" : "accepted",
    reason: null,
    eventId,
    eventType: type,
    runId: null,
    receivedAt: now,
    headers: JSON.stringify(keptHeaders(header, endpoint)),
    payload: stored.column,
  });
  try {
    // A filtered delivery keeps its body too: a replay may start its job later.
    if (created && stored.object) await putPayloads(c.env.PAYLOADS, [stored.object]);
    // A redelivery after a crash between storing and enqueueing still gets its job (once).
    if (row.status === "accepted" && row.runId === null) await enqueueStart(c, endpoint, row);
  } catch (error) {
    // Not acknowledged, so the provider retries; the next attempt stores it afresh.
    if (created) await deleteDelivery(c.get("db"), row.id);
    if (created && stored.object) c.executionCtx.waitUntil(c.env.PAYLOADS.delete(stored.object.key));
    throw error;
  }
  c.header("cache-control", "no-store");
  return c.json({ received: true, ...(created ? {} : { duplicate: true }) }, 200);
}
