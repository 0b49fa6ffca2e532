/**
 * /v1/deliveries: one webhook delivery (status, run, headers, payload), its whole body (from R2
 * when over 64 KiB: the view's payload is then a marker), and its replay: a new run of the
 * endpoint's target with the stored event, linked to the delivery's previous run.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deliveryBody, jobInputOf } from "../../jobs/delivery-job";
import { startJob } from "../../jobs/start-job";
import { parsePayload } from "../../lib/domain/webhook-verify";
import { getActiveFunction } from "../../lib/infra/db/functions.repo";
import { type DeliveryWithRun, type Endpoint, getDelivery, getEndpoint, markReplayed } from "../../lib/infra/db/webhooks.repo";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { deliveryStatus, deliveryView } from "../webhook-views";

async function deliveryFor(c: Context<AppEnv>, scope: "webhooks:read" | "webhooks:write"): Promise<{ d: DeliveryWithRun; e: Endpoint }> {
  authorize(c, scope);
  const d = await getDelivery(c.get("db"), c.req.param("id") ?? "");
  const e = d ? await getEndpoint(c.get("db"), d.endpointId) : null;
  if (!d || !e) throw notFound(`delivery "${c.req.param("id")}"`);
  authorize(c, scope, e.functionName);
  return { d, e };
}

export const deliveriesRoutes = new Hono<AppEnv>()
  .get("/:id", async (c) => c.json(deliveryView((await deliveryFor(c, "webhooks:read")).d)))
  // The body as received: JSON as JSON, anything else as plain text (never the sender's content type).
  .get("/:id/payload", async (c) => {
    const { d } = await deliveryFor(c, "webhooks:read");
    const body = await deliveryBody(c.env.PAYLOADS, d);
    if (body === null) throw notFound(`the body of delivery "${d.id}" (a rejected delivery's body is not kept)`);
    const type = parsePayload(body) === body ? "text/plain; charset=utf-8" : "application/json";
    return c.body(body, 200, { "content-type": type, "x-content-type-options": "nosniff" });
  })
  .post("/:id/replay", async (c) => {
    const { d, e } = await deliveryFor(c, "webhooks:write");
    if (d.status === "rejected") throw new AppError("conflict", 409, "a rejected delivery was not verified, so it cannot be replayed");
    const status = deliveryStatus(d);
    // Two live runs of one event would both act: replay once the first has ended.
    if (d.runId !== null && status === "accepted")
      throw new AppError("conflict", 409, `delivery "${d.id}" is still being processed by run "${d.runId}"; replay it once that has ended`);
    const fn = await getActiveFunction(c.get("db"), e.functionName);
    if (!fn?.manifest.exposures.job) throw notFound(`job function "${e.functionName}"`);
    const { run } = await startJob(c.env, c.executionCtx, c.get("db"), fn, await jobInputOf(c.env.PAYLOADS, e, d), {
      trigger: "replay",
      ...(d.runId ? { parentRunId: d.runId } : {}),
      allowedFunctions: c.get("principal").functions,
    });
    await markReplayed(c.get("db"), d.id, run.id);
    await audit(c, "webhook.replay", d.id, { endpoint: e.id, runId: run.id });
    return c.json(
      { id: run.id, status: run.status, parentRunId: d.runId, statusUrl: `${new URL(c.req.url).origin}/v1/jobs/${run.id}` },
      202,
    );
  });
