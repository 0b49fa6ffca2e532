/**
 * /v1/webhooks: webhook endpoints (create, list, read, update, delete, rotate the signing secret)
 * and each endpoint's deliveries. A secret appears only in the answers to create and rotate.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { LIVE_STATUSES } from "../../lib/contracts/runs";
import {
  CreateWebhookRequest,
  DeliveriesQuery,
  isStandardSecret,
  RotateWebhookRequest,
  UpdateWebhookRequest,
} from "../../lib/contracts/webhooks";
import { bytesToBase64 } from "../../lib/domain/bytes";
import { signSample } from "../../lib/domain/webhook-sign";
import { forgetEndpoint } from "../../lib/infra/db/endpoint-cache";
import { getActiveFunction } from "../../lib/infra/db/functions.repo";
import {
  deleteEndpoint,
  type Endpoint,
  getEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  newestSecret,
  saveEndpoint,
  sealSecret,
} from "../../lib/infra/db/webhooks.repo";
import { newId } from "../../lib/infra/ids";
import { deletePrefixes, deliveryPrefix } from "../../lib/infra/payloads";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { secretsKeyring } from "../secrets-keyring";
import type { AppEnv } from "../types";
import { readBody, readQuery } from "../validate";
import { loadDeliveryEndpoint, receiveDelivery } from "../webhook-delivery";
import { deliveryView, FAILED_RUN_STATUSES, webhookView } from "../webhook-views";

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;
/** Pages of 1,000 delivery bodies deleted with an endpoint (only bodies over 64 KiB are objects). */
const ENDPOINT_OBJECT_PAGES = 20;

/** A fresh secret usable by every provider: `whsec_` + base64 of 32 random bytes. */
/** Most webhook endpoints one function may have. */
const MAX_ENDPOINTS_PER_FUNCTION = 20;
const newSecret = () => `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;

/** The endpoint, if the caller holds `scope` for its target function (else 404 or 403). */
async function endpointFor(c: Context<AppEnv>, scope: "webhooks:read" | "webhooks:write"): Promise<Endpoint> {
  authorize(c, scope);
  const endpoint = await getEndpoint(c.get("db"), c.req.param("id") ?? "");
  if (!endpoint) throw notFound(`webhook endpoint "${c.req.param("id")}"`);
  authorize(c, scope, endpoint.functionName);
  return endpoint;
}

async function assertJobFunction(c: Context<AppEnv>, name: string): Promise<void> {
  authorize(c, "webhooks:write", name);
  const fn = await getActiveFunction(c.get("db"), name);
  if (!fn?.manifest.exposures.job)
    throw new AppError("validation_failed", 400, `function "${name}" is not deployed with the job exposure`, {
      issues: [{ path: "/function", message: "must name a function deployed with `exposures.job`" }],
    });
}

export const webhooksRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    authorize(c, "webhooks:write");
    const req = await readBody(c, CreateWebhookRequest);
    await assertJobFunction(c, req.function);
    if ((await listEndpoints(c.get("db"), [req.function])).length >= MAX_ENDPOINTS_PER_FUNCTION) {
      throw new AppError(
        "conflict",
        409,
        `function "${req.function}" already has ${MAX_ENDPOINTS_PER_FUNCTION} webhook endpoints; delete one first`,
      );
    }
    const now = Date.now();
    const id = newId("whk", now);
    const secret = req.secret ?? newSecret();
    const endpoint: Endpoint = {
      id,
      name: req.name,
      provider: req.provider,
      functionName: req.function,
      events: req.events,
      toleranceSeconds: req.toleranceSeconds,
      hmac: req.hmac ?? null,
      enabled: req.enabled,
      secrets: [await sealSecret(await secretsKeyring(c.env), id, newId("wsk", now), secret, now, null)],
      createdAt: now,
      updatedAt: now,
    };
    await insertEndpoint(c.get("db"), endpoint);
    await audit(c, "webhook.create", id, { name: req.name, provider: req.provider, function: req.function });
    return c.json({ ...webhookView(endpoint, origin(c)), secret }, 201);
  })
  .get("/", async (c) => {
    authorize(c, "webhooks:read");
    const items = await listEndpoints(c.get("db"), c.get("principal").functions);
    return c.json({ items: items.map((e) => webhookView(e, origin(c))) });
  })
  .get("/:id", async (c) => c.json(webhookView(await endpointFor(c, "webhooks:read"), origin(c))))
  .patch("/:id", async (c) => {
    const endpoint = await endpointFor(c, "webhooks:write");
    const req = await readBody(c, UpdateWebhookRequest);
    if (req.function !== undefined) await assertJobFunction(c, req.function);
    if (req.hmac !== undefined && endpoint.provider !== "hmac")
      throw new AppError("validation_failed", 400, "`hmac` is only allowed for the hmac provider", {
        issues: [{ path: "/hmac", message: "not allowed" }],
      });
    const updated: Endpoint = {
      ...endpoint,
      name: req.name ?? endpoint.name,
      functionName: req.function ?? endpoint.functionName,
      events: req.events === undefined ? endpoint.events : req.events,
      toleranceSeconds: req.toleranceSeconds ?? endpoint.toleranceSeconds,
      hmac: req.hmac ?? endpoint.hmac,
      enabled: req.enabled ?? endpoint.enabled,
      updatedAt: Date.now(),
    };
    await saveEndpoint(c.get("db"), updated);
    forgetEndpoint(endpoint.id);
    await audit(c, "webhook.update", endpoint.id, { fields: Object.keys(req) });
    return c.json(webhookView(updated, origin(c)));
  })
  .delete("/:id", async (c) => {
    const endpoint = await endpointFor(c, "webhooks:write");
    await deleteEndpoint(c.get("db"), endpoint.id);
    // Its deliveries' bodies kept in R2 (those over 64 KiB) go too, after the answer.
    c.executionCtx.waitUntil(deletePrefixes(c.env.PAYLOADS, [deliveryPrefix(endpoint.id)], ENDPOINT_OBJECT_PAGES));
    forgetEndpoint(endpoint.id);
    await audit(c, "webhook.delete", endpoint.id, { name: endpoint.name });
    return c.body(null, 204);
  })
  .post("/:id/rotate", async (c) => {
    const endpoint = await endpointFor(c, "webhooks:write");
    const req = await readBody(c, RotateWebhookRequest, { optional: true });
    if (endpoint.provider === "standard" && req.secret !== undefined && !isStandardSecret(req.secret))
      throw new AppError("validation_failed", 400, "a Standard Webhooks secret is `whsec_` followed by base64");
    if (endpoint.provider === "stripe" && req.secret === undefined)
      throw new AppError("validation_failed", 400, "give the new signing secret from Stripe (whsec_…)");
    const now = Date.now();
    const expiresAt = now + req.previousExpiresInSeconds * 1000;
    // Secrets already expired are dropped; the others end at the chosen time (or sooner).
    const kept = endpoint.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? expiresAt, expiresAt) }));
    const secret = req.secret ?? newSecret();
    const fresh = await sealSecret(await secretsKeyring(c.env), endpoint.id, newId("wsk", now), secret, now, null);
    const updated: Endpoint = { ...endpoint, secrets: [...kept, fresh], updatedAt: now };
    await saveEndpoint(c.get("db"), updated);
    forgetEndpoint(endpoint.id);
    await audit(c, "webhook.rotate", endpoint.id, { previousExpiresAt: new Date(expiresAt).toISOString() });
    return c.json({ ...webhookView(updated, origin(c)), secret });
  })
  // "Send test event": a sample signed with the endpoint's newest secret, through the same path as a real delivery.
  .post("/:id/test", async (c) => {
    const endpoint = await endpointFor(c, "webhooks:write");
    if (!endpoint.enabled) throw new AppError("conflict", 409, "this endpoint is disabled; enable it to send a test event");
    const now = Date.now();
    const secret = await newestSecret(await secretsKeyring(c.env), endpoint);
    if (secret === null) throw new AppError("conflict", 409, "this endpoint has no signing secret");
    const sample = await signSample(
      endpoint.provider,
      endpoint.hmac,
      secret,
      newId(endpoint.provider === "stripe" ? "evt_test" : "msg_test", now),
      now,
    );
    const header = (name: string) => sample.headers[name] ?? null;
    const verifying = await loadDeliveryEndpoint(c, endpoint.id, true);
    if (verifying === null || verifying === "unavailable") throw new AppError("internal", 503, "the endpoint's secrets cannot be read now");
    const res = await receiveDelivery(c, verifying, new TextEncoder().encode(sample.body), header);
    await audit(c, "webhook.test", endpoint.id);
    return c.json({ status: res.status, accepted: res.ok });
  })
  .get("/:id/deliveries", async (c) => {
    const endpoint = await endpointFor(c, "webhooks:read");
    const q = readQuery(c, DeliveriesQuery);
    const filter =
      q.status === "processed"
        ? { storedStatus: "accepted", runStatuses: ["succeeded"] }
        : q.status === "failed"
          ? { storedStatus: "accepted", runStatuses: FAILED_RUN_STATUSES }
          : q.status === "accepted"
            ? { storedStatus: "accepted", runStatuses: [...LIVE_STATUSES] }
            : { storedStatus: q.status };
    const rows = await listDeliveries(c.get("db"), endpoint.id, { ...filter, cursor: q.cursor, limit: q.limit });
    const last = rows.length === q.limit ? rows.at(-1)?.id : undefined;
    return c.json({ items: rows.map(deliveryView), nextCursor: last ?? null });
  });
