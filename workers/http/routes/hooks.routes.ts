/**
 * /hooks/:endpointId: public webhook deliveries (no API key: the signature is the credential).
 * The raw body is limited to 1 MiB (413) and read as bytes, since signatures cover exact bytes.
 * Answers stay terse: an unknown endpoint is a bare 404, a disabled one 410, a failed check only
 * "signature verification failed".
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../types";
import { loadDeliveryEndpoint, receiveDelivery } from "../webhook-delivery";

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export const hooksRoutes = new Hono<AppEnv>().post(
  "/:endpointId",
  bodyLimit({ maxSize: MAX_WEBHOOK_BODY_BYTES, onError: (c) => c.text("payload too large", 413) }),
  async (c) => {
    const endpoint = await loadDeliveryEndpoint(c, c.req.param("endpointId"));
    if (endpoint === "unavailable") return c.text("temporarily unavailable", 503);
    if (!endpoint) return c.body(null, 404);
    if (!endpoint.endpoint.enabled) return c.body(null, 410);
    const body = new Uint8Array(await c.req.arrayBuffer());
    return receiveDelivery(c, endpoint, body, (name) => c.req.header(name) ?? null);
  },
);
