/**
 * Receiving a webhook delivery: verify the raw bytes against the endpoint's active secrets, store
 * the delivery, start its job, answer. The run exists in D1 and its queue message is sent before
 * the 2xx (startJob), so an acknowledged event survives a crash right after the answer. A
 * redelivery of the same provider event id starts nothing new: the delivery row is unique per
 * endpoint and event id, and the job's idempotency key is that pair, with an input built only from
 * the first stored delivery (so its request hash never changes).
 */
import type { Context } from "hono";
import { startJob } from "../jobs/start-job";
import type { WebhookJobInput } from "../lib/contracts/webhooks";
import { eventIdentity, matchesFilter, parsePayload, verifyDelivery } from "../lib/domain/webhook-verify";
import { sha256Hex } from "../lib/infra/crypto";
import { getActiveFunction } from "../lib/infra/db/functions.repo";
import {
  activeSecrets,
  type DeliveryRow,
  deleteDelivery,
  type Endpoint,
  insertRejected,
  insertVerified,
  setDeliveryRun,
} from "../lib/infra/db/webhooks.repo";
import { newId } from "../lib/infra/ids";
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

/** The job input of a stored delivery: the same bytes for every redelivery and replay. */
export function jobInputOf(endpoint: Endpoint, d: DeliveryRow): WebhookJobInput {
  return {
    provider: endpoint.provider,
    endpoint: endpoint.id,
    event: {
      id: d.eventId ?? d.id,
      type: d.eventType,
      receivedAt: new Date(d.receivedAt).toISOString(),
      headers: JSON.parse(d.headers) as Record<string, string>,
      payload: parsePayload(d.payload ?? ""),
    },
  };
}

/**
 * Starts the delivery's job (trigger `webhook`, idempotent per endpoint and event id) and records
 * the run on the delivery. A target that is not deployed as a job leaves the delivery stored
 * without a run and with the reason (it can be replayed once the function is deployed).
 */
export async function startDeliveryJob(c: Context<AppEnv>, endpoint: Endpoint, d: DeliveryRow): Promise<void> {
  const db = c.get("db");
  const fn = await getActiveFunction(db, endpoint.functionName);
  if (!fn?.manifest.exposures.job) {
    await setDeliveryRun(db, d.id, null, `function "${endpoint.functionName}" is not deployed as a job`);
    return;
  }
  const idempotencyKey = `webhook:${endpoint.id}:${d.eventId}`;
  const { run } = await startJob(c.env, c.executionCtx, db, fn, jobInputOf(endpoint, d), { trigger: "webhook", idempotencyKey });
  await setDeliveryRun(db, d.id, run.id, null);
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
 * The endpoint's active secrets, or null when they cannot be unsealed (KILN_SECRETS_KEY missing or
 * changed): the sender gets a bare 503 and retries; the reason goes to the log, not to the sender.
 */
async function readSecrets(c: Context<AppEnv>, endpoint: Endpoint, now: number): Promise<string[] | null> {
  try {
    return await activeSecrets(await keyringOf(c.env), endpoint, now);
  } catch (error) {
    if (!(error instanceof SealingError)) throw error;
    console.error(JSON.stringify({ msg: "webhook secrets unavailable", endpoint: endpoint.id, error: error.message }));
    return null;
  }
}

/**
 * Verifies, stores and starts one delivery of a known, enabled endpoint. `header` reads the
 * delivery's headers (the request's, or a signed test event's).
 */
export async function receiveDelivery(c: Context<AppEnv>, endpoint: Endpoint, body: Uint8Array, header: HeaderOf): Promise<Response> {
  const now = Date.now();
  const secrets = await readSecrets(c, endpoint, now);
  if (secrets === null) return c.text("temporarily unavailable", 503);
  const verdict = await verifyDelivery({ ...endpoint, header, body, secrets, now });
  if (!verdict.ok) return reject(c, header, endpoint, verdict.reason, now, verdict.reason === "bad_signature" ? 401 : 400);
  const text = new TextDecoder().decode(body);
  const payload = parsePayload(text);
  const { id: eventId, type } = eventIdentity(endpoint.provider, endpoint.hmac, header, payload, await sha256Hex(body));
  if (eventId === null || eventId.length > MAX_EVENT_ID_CHARS) return reject(c, header, endpoint, "no_event_id", now, 400);
  const filtered = !matchesFilter(endpoint.events, type);
  const { row, created } = await insertVerified(c.get("db"), {
    id: newId("dlv", now),
    endpointId: endpoint.id,
    status: filtered ? "filtered" : "accepted",
    reason: null,
    eventId,
    eventType: type,
    runId: null,
    receivedAt: now,
    headers: JSON.stringify(keptHeaders(header, endpoint)),
    payload: text,
  });
  // A redelivery after a crash between storing and starting still starts the job (once).
  if (row.status === "accepted" && row.runId === null) {
    try {
      await startDeliveryJob(c, endpoint, row);
    } catch (error) {
      // Not acknowledged, so the provider retries; the next attempt stores it afresh.
      if (created) await deleteDelivery(c.get("db"), row.id);
      throw error;
    }
  }
  c.header("cache-control", "no-store");
  return c.json({ received: true, ...(created ? {} : { duplicate: true }) }, 200);
}
