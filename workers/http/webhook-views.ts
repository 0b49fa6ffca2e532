/**
 * Webhook endpoint and delivery rows → the API's response shapes. A delivery's `processed` or
 * `failed` comes from the run it started, never from a second stored copy of that state.
 */
import type { DeliveryStatus, DeliveryView, WebhookView } from "../lib/contracts/webhooks";
import { parsePayload } from "../lib/domain/webhook-verify";
import type { DeliveryWithRun, Endpoint } from "../lib/infra/db/webhooks.repo";
import { iso } from "./views";

export function webhookView(e: Endpoint, origin: string): WebhookView {
  return {
    id: e.id,
    name: e.name,
    provider: e.provider,
    function: e.functionName,
    url: `${origin}/hooks/${e.id}`,
    events: e.events,
    toleranceSeconds: e.toleranceSeconds,
    hmac: e.hmac,
    enabled: e.enabled,
    secrets: e.secrets.map((s) => ({ id: s.id, createdAt: new Date(s.createdAt).toISOString(), expiresAt: iso(s.expiresAt) })),
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
  };
}

export const FAILED_RUN_STATUSES = ["failed", "cancelled", "timed_out"];

export function deliveryStatus(d: DeliveryWithRun): DeliveryStatus {
  if (d.status === "rejected" || d.status === "filtered") return d.status;
  if (d.runStatus === "succeeded") return "processed";
  if ((d.runStatus !== null && FAILED_RUN_STATUSES.includes(d.runStatus)) || (d.runId === null && d.reason !== null)) return "failed";
  return "accepted";
}

export function deliveryView(d: DeliveryWithRun): DeliveryView {
  return {
    id: d.id,
    endpointId: d.endpointId,
    status: deliveryStatus(d),
    reason: d.reason,
    eventId: d.eventId,
    eventType: d.eventType,
    runId: d.runId,
    receivedAt: new Date(d.receivedAt).toISOString(),
    headers: JSON.parse(d.headers) as Record<string, string>,
    payload: d.payload === null ? null : parsePayload(d.payload),
  };
}
