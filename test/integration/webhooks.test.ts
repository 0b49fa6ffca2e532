// Webhooks end to end: an endpoint per provider, a delivery signed by the provider's own library,
// the job it starts (trigger `webhook`, the documented input), filters, the 2xx before the work,
// and a failed event that lands in the dead-letter list, shows as failed and is replayed.

import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, deploy, json } from "../helpers/api";
import { ended, waitForJob } from "../helpers/jobs";
import {
  createEndpoint,
  deliver,
  deliveries,
  ECHO_JOB,
  GITHUB_SECRET,
  githubHeaders,
  STRIPE_SECRET,
  standardHeaders,
  stripeEvent,
  stripeHeader,
} from "../helpers/webhooks";

/** The endpoint's one delivery, once its job has been started (that happens just after the 2xx). */
async function onlyDelivery(endpointId: string): Promise<any> {
  return vi.waitUntil(
    async () => {
      const items = await deliveries(endpointId);
      expect(items).toHaveLength(1);
      return items[0].status !== "accepted" || items[0].runId !== null ? items[0] : false;
    },
    { timeout: 15_000, interval: 50 },
  );
}

async function waitForDelivery(id: string, status: string): Promise<any> {
  return vi.waitUntil(
    async () => {
      const d = await json(await api(`/v1/deliveries/${id}`));
      return d.status === status ? d : false;
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe("webhook endpoints", () => {
  it("creates an endpoint whose URL is public and whose secret is returned once", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const created = await createEndpoint({ name: "shop", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET });
    expect(created).toMatchObject({ provider: "stripe", function: "wh-echo", enabled: true, toleranceSeconds: 300, secret: STRIPE_SECRET });
    expect(created.url).toBe(`http://kiln.test/hooks/${created.id}`);
    const read = await json(await api(`/v1/webhooks/${created.id}`));
    expect(read).not.toHaveProperty("secret");
    expect(JSON.stringify(read)).not.toContain(STRIPE_SECRET);
    expect(JSON.stringify(await json(await api("/v1/webhooks")))).not.toContain(STRIPE_SECRET);
    const patched = await api(`/v1/webhooks/${created.id}`, { method: "PATCH", body: { name: "shop 2", events: ["payment_intent.*"] } });
    expect(await json(patched)).toMatchObject({ name: "shop 2", events: ["payment_intent.*"] });
    const audit = await json(await api("/v1/audit?action=webhook.create"));
    expect(audit.items.map((e: any) => e.target)).toContain(created.id);
    expect((await api(`/v1/webhooks/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/webhooks/${created.id}`)).status).toBe(404);
  });

  it("refuses a target that is not deployed as a job", async () => {
    await deploy(
      "wh-tool-only",
      `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}), exposures: { tool: true, job: false }, run: () => 1 });`,
    );
    const res = await api("/v1/webhooks", { body: { name: "x", provider: "github", function: "wh-tool-only" } });
    expect(res.status).toBe(400);
  });
});

describe("deliveries per provider", () => {
  it("Stripe: a signed event starts a job with trigger webhook and the documented input", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "stripe", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET });
    const payload = stripeEvent("evt_stripe_1");
    const res = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload), "user-agent": "Stripe/1.0" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    const d = await onlyDelivery(ep.id);
    expect(d).toMatchObject({ eventId: "evt_stripe_1", eventType: "checkout.session.completed", runId: expect.stringMatching(/^run_/) });
    const run = await waitForJob(d.runId, ended);
    expect(run).toMatchObject({ status: "succeeded", trigger: "webhook", function: "wh-echo" });
    expect(run.output).toEqual({
      provider: "stripe",
      endpoint: ep.id,
      event: {
        id: "evt_stripe_1",
        type: "checkout.session.completed",
        receivedAt: d.receivedAt,
        headers: { "user-agent": "Stripe/1.0", "content-type": "application/json" },
        payload: JSON.parse(payload),
      },
    });
    expect((await waitForDelivery(d.id, "processed")).runId).toBe(d.runId);
  });

  it("a body over 64 KiB is kept whole in R2: its job, the payload route and a replay get all of it; deleting the endpoint deletes it", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "big", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET });
    const lines = Array.from({ length: 4000 }, (_, i) => ({ sku: `sku-${i}`, name: `item "${i}" ünï ✓`, qty: i % 7 }));
    const payload = stripeEvent("evt_big_1", "checkout.session.completed", { lines });
    expect(payload.length).toBeGreaterThan(200_000);
    expect((await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) })).status).toBe(200);
    const d = await onlyDelivery(ep.id);
    const key = `deliveries/${ep.id}/${d.id}`;
    expect(d.payload).toMatchObject({ "kiln:truncated": true, characters: payload.length, object: key });
    const body = await api(`/v1/deliveries/${d.id}/payload`);
    expect(body.headers.get("content-type")).toContain("application/json");
    expect(await body.text()).toBe(payload);
    const run = await waitForJob(d.runId, ended);
    expect(run.status).toBe("succeeded");
    const output = await json(await api(`/v1/runs/${d.runId}/payload/output`));
    expect(output.event.payload).toEqual(JSON.parse(payload));

    const replay = await json(await api(`/v1/deliveries/${d.id}/replay`, { method: "POST" }));
    await waitForJob(replay.id, ended);
    const replayed = await json(await api(`/v1/runs/${replay.id}/payload/input`));
    expect(replayed.event.payload).toEqual(JSON.parse(payload));

    expect(await env.PAYLOADS.head(key)).not.toBeNull();
    expect((await api(`/v1/webhooks/${ep.id}`, { method: "DELETE" })).status).toBe(204);
    await vi.waitUntil(async () => (await env.PAYLOADS.head(key)) === null, { timeout: 5_000, interval: 50 });
  });

  it("GitHub: X-Hub-Signature-256 over the body; the delivery id and event type come from the headers", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "gh", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const payload = JSON.stringify({ action: "opened", issue: { number: 7 } });
    const res = await deliver(ep.id, payload, await githubHeaders(payload, "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    expect(res.status).toBe(200);
    const d = await onlyDelivery(ep.id);
    expect(d).toMatchObject({ eventId: "72d3162e-cc78-11e3-81ab-4c9367dc0958", eventType: "issues" });
    const run = await waitForJob(d.runId, ended);
    expect(run.output.event).toMatchObject({
      type: "issues",
      headers: { "x-github-event": "issues", "user-agent": "GitHub-Hookshot/abc123" },
    });
    expect(run.output.event.payload).toEqual({ action: "opened", issue: { number: 7 } });
  });

  it("Standard Webhooks: a generated whsec_ secret signs with the standardwebhooks library", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "resend", provider: "standard", function: "wh-echo" });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const payload = JSON.stringify({ type: "email.delivered", data: { to: "a@example.com" } });
    const res = await deliver(ep.id, payload, standardHeaders(ep.secret, "msg_2", payload));
    expect(res.status).toBe(200);
    const d = await onlyDelivery(ep.id);
    expect(d).toMatchObject({ eventId: "msg_2", eventType: "email.delivered" });
    expect(await waitForJob(d.runId, ended)).toMatchObject({ status: "succeeded", trigger: "webhook" });
  });

  it("Standard Webhooks: the spec's example secret is accepted as an endpoint secret", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ep = await createEndpoint({ name: "spec", provider: "standard", function: "wh-echo", secret });
    // Signed now (the spec's own 2021 timestamp is checked with an injected clock in test/unit).
    const payload = '{"test": 2432232314}';
    const res = await deliver(ep.id, payload, standardHeaders(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", payload));
    expect(res.status).toBe(200);
    const d = await onlyDelivery(ep.id);
    expect(d.payload).toEqual({ test: 2432232314 });
  });

  it("generic HMAC: sha1, base64, a prefix and an id header", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const secret = "generic-secret-0123456789";
    const hmac = { header: "X-Signature", algorithm: "sha1", encoding: "base64", prefix: "sha1=", idHeader: "X-Event-Id" };
    const ep = await createEndpoint({ name: "generic", provider: "hmac", function: "wh-echo", secret, hmac });
    const payload = JSON.stringify({ type: "thing.happened" });
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)));
    const signature = `sha1=${btoa(String.fromCharCode(...mac))}`;
    expect((await deliver(ep.id, payload, { "x-signature": signature, "x-event-id": "e-1" })).status).toBe(200);
    expect(await onlyDelivery(ep.id)).toMatchObject({ eventId: "e-1", eventType: "thing.happened" });
  });
});

describe("send test event", () => {
  it("signs a sample with the endpoint's own newest secret and delivers it, for every provider", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const hmac = { header: "x-sig", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-ts", idHeader: "x-id" };
    const endpoints = [
      await createEndpoint({ name: "t-stripe", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET }),
      await createEndpoint({ name: "t-gh", provider: "github", function: "wh-echo" }),
      await createEndpoint({ name: "t-std", provider: "standard", function: "wh-echo" }),
      await createEndpoint({ name: "t-hmac", provider: "hmac", function: "wh-echo", hmac }),
    ];
    // After a rotation the sample is signed with the new secret.
    await api(`/v1/webhooks/${endpoints[1].id}/rotate`, { body: { previousExpiresInSeconds: 0 } });
    for (const ep of endpoints) {
      const res = await api(`/v1/webhooks/${ep.id}/test`, { method: "POST" });
      expect(await json(res), ep.provider).toEqual({ status: 200, accepted: true });
      const d = await onlyDelivery(ep.id);
      expect(d.runId, ep.provider).toMatch(/^run_/);
      expect((await waitForJob(d.runId, ended)).output.event.type).toBe(ep.provider === "github" ? "ping" : "kiln.test");
    }
  });
});

describe("processing", () => {
  it("answers 2xx before the function has finished (a job waiting for an event)", async () => {
    await deploy(
      "wh-slow",
      `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ provider: z.string(), endpoint: z.string(), event: z.any() }),
  exposures: { tool: false, job: true },
  async run(input, ctx) {
    const go = await ctx.waitForEvent("go", { type: "go", timeout: "1 hour" });
    return { done: true };
  },
});`,
    );
    const ep = await createEndpoint({ name: "slow", provider: "stripe", function: "wh-slow", secret: STRIPE_SECRET });
    const payload = stripeEvent("evt_slow");
    const res = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect(res.status).toBe(200);
    const d = await onlyDelivery(ep.id);
    expect(d.status).toBe("accepted");
    await waitForJob(d.runId, (j) => j.status === "waiting");
    expect((await json(await api(`/v1/deliveries/${d.id}`))).status).toBe("accepted");
    await api(`/v1/jobs/${d.runId}/events`, { body: { type: "go", payload: {} } });
    expect(await waitForJob(d.runId, ended)).toMatchObject({ status: "succeeded", output: { done: true } });
    await waitForDelivery(d.id, "processed");
  });

  it("a redelivery after a crash between storing and starting starts the job once", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "crash", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET });
    const payload = stripeEvent("evt_crash");
    // The state a crash right after the delivery insert leaves: a stored delivery with no run.
    await env.DB.prepare(
      "insert into webhook_deliveries (id, endpoint_id, status, event_id, event_type, received_at, headers, payload) values (?, ?, 'accepted', ?, ?, ?, '{}', ?)",
    )
      .bind("dlv_crashed", ep.id, "evt_crash", "checkout.session.completed", Date.now(), payload)
      .run();
    const res = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect(await res.json()).toEqual({ received: true, duplicate: true });
    const d = await onlyDelivery(ep.id);
    expect(d).toMatchObject({ id: "dlv_crashed", runId: expect.stringMatching(/^run_/) });
    const again = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect(again.status).toBe(200);
    expect((await onlyDelivery(ep.id)).runId).toBe(d.runId);
    expect(await waitForJob(d.runId, ended)).toMatchObject({ status: "succeeded", output: { event: { id: "evt_crash" } } });
  });

  it("a stored delivery whose fast start was lost gets its job from the queue, once", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "queued", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET });
    const payload = stripeEvent("evt_queued");
    // What the acknowledgement leaves when the Worker dies right after the 2xx: the row and its message.
    await env.DB.prepare(
      "insert into webhook_deliveries (id, endpoint_id, status, event_id, event_type, received_at, headers, payload) values (?, ?, 'accepted', ?, ?, ?, '{}', ?)",
    )
      .bind("dlv_queued", ep.id, "evt_queued", "checkout.session.completed", Date.now(), payload)
      .run();
    await env.JOB_QUEUE.send({ deliveryId: "dlv_queued" });
    await env.JOB_QUEUE.send({ deliveryId: "dlv_queued" });
    const d = await onlyDelivery(ep.id);
    expect(d.runId).toMatch(/^run_/);
    expect(await waitForJob(d.runId, ended)).toMatchObject({
      status: "succeeded",
      trigger: "webhook",
      output: { event: { id: "evt_queued" } },
    });
    const runs = await json(await api("/v1/runs?function=wh-echo&trigger=webhook"));
    expect(runs.items.filter((r: any) => r.input?.event?.id === "evt_queued")).toHaveLength(1);
  });

  it("stores filtered events without starting a run", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({
      name: "f",
      provider: "stripe",
      function: "wh-echo",
      secret: STRIPE_SECRET,
      events: ["payment_intent.*"],
    });
    const skipped = stripeEvent("evt_f1", "checkout.session.completed");
    expect((await deliver(ep.id, skipped, { "stripe-signature": await stripeHeader(skipped) })).status).toBe(200);
    const kept = stripeEvent("evt_f2", "payment_intent.succeeded");
    expect((await deliver(ep.id, kept, { "stripe-signature": await stripeHeader(kept) })).status).toBe(200);
    const items = await vi.waitUntil(async () => {
      const all = await deliveries(ep.id);
      return all.every((d: any) => d.status !== "accepted" || d.runId) && all;
    });
    const byEvent = Object.fromEntries(items.map((d: any) => [d.eventId, d]));
    expect(byEvent.evt_f1).toMatchObject({ status: "filtered", runId: null });
    expect(byEvent.evt_f2.runId).toMatch(/^run_/);
    expect((await deliveries(ep.id, "?status=filtered")).map((d: any) => d.eventId)).toEqual(["evt_f1"]);
    // Replaying a filtered event runs it anyway, and the delivery follows that run.
    const replay = await json(await api(`/v1/deliveries/${byEvent.evt_f1.id}/replay`, { method: "POST" }));
    expect(await waitForJob(replay.id, ended)).toMatchObject({ status: "succeeded", trigger: "replay" });
    expect(await waitForDelivery(byEvent.evt_f1.id, "processed")).toMatchObject({ runId: replay.id });
  });

  it("a failing event ends in the dead-letter list, shows as failed, and a replay processes it", async () => {
    await using introspector = await introspectWorkflow(env.RUN_WORKFLOW);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    const broken = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ provider: z.string(), endpoint: z.string(), event: z.any() }),
  exposures: { tool: false, job: true },
  retries: { limit: 1, delayMs: 10, backoff: "constant" },
  async run(input, ctx) { return ctx.step("fulfil", () => { throw new Error("warehouse offline"); }); },
});`;
    await deploy("wh-brittle", broken);
    const ep = await createEndpoint({ name: "b", provider: "stripe", function: "wh-brittle", secret: STRIPE_SECRET });
    const payload = stripeEvent("evt_fail");
    expect((await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) })).status).toBe(200);
    const d = await onlyDelivery(ep.id);
    expect(await waitForJob(d.runId, ended)).toMatchObject({ status: "failed", trigger: "webhook" });
    expect((await json(await api("/v1/jobs/dead-letter"))).items.map((r: any) => r.id)).toContain(d.runId);
    await waitForDelivery(d.id, "failed");
    expect((await deliveries(ep.id, "?status=failed")).map((x: any) => x.id)).toEqual([d.id]);

    await deploy("wh-brittle", broken.replace('throw new Error("warehouse offline")', "return { fulfilled: input.event.id }"));
    const res = await api(`/v1/deliveries/${d.id}/replay`, { method: "POST" });
    expect(res.status).toBe(202);
    const replay = await json(res);
    expect(replay.parentRunId).toBe(d.runId);
    expect(await waitForJob(replay.id, ended)).toMatchObject({ status: "succeeded", trigger: "replay", output: { fulfilled: "evt_fail" } });
    expect(await waitForDelivery(d.id, "processed")).toMatchObject({ runId: replay.id });
  });
});
