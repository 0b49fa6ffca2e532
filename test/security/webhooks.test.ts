// Hostile webhook deliveries: every missing or malformed header on its own, one changed byte, a
// wrong secret, stale and future timestamps, several signatures, oversized and non-JSON bodies,
// duplicates, the rotation window, unknown and disabled endpoints, and a flood of bad deliveries.
// Every refusal says only "signature verification failed" and starts nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, deploy, json } from "../helpers/api";
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

const FAILED = "signature verification failed";

async function expectRefused(res: Response, status: 400 | 401): Promise<void> {
  expect({ status: res.status, body: await res.text() }).toEqual({ status, body: FAILED });
}

async function stripeEndpoint(extra: Record<string, unknown> = {}): Promise<any> {
  await deploy("wh-echo", ECHO_JOB);
  return createEndpoint({ name: "stripe", provider: "stripe", function: "wh-echo", secret: STRIPE_SECRET, ...extra });
}

const now = () => Math.floor(Date.now() / 1000);

describe("Stripe signatures", () => {
  it("refuses a missing or malformed Stripe-Signature, each on its own", async () => {
    const ep = await stripeEndpoint();
    const payload = stripeEvent("evt_bad");
    const good = await stripeHeader(payload);
    const v1 = good.split(",").find((p) => p.startsWith("v1="));
    await expectRefused(await deliver(ep.id, payload, {}), 400);
    for (const header of ["", "garbage", `t=${now()}`, v1 ?? "", `t=abc,${v1}`, `t=${now()},v1=zz`, `t=${now()},t=${now()},${v1}`]) {
      await expectRefused(await deliver(ep.id, payload, { "stripe-signature": header }), 400);
    }
    expect(await deliveries(ep.id, "?status=accepted")).toEqual([]);
  });

  it("refuses one changed byte, a wrong secret, and stale or future timestamps", async () => {
    const ep = await stripeEndpoint();
    const payload = stripeEvent("evt_x");
    const header = await stripeHeader(payload);
    await expectRefused(await deliver(ep.id, payload.replace("evt_x", "evt_y"), { "stripe-signature": header }), 401);
    await expectRefused(
      await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload, "whsec_wrong_0123456789abcdef") }),
      401,
    );
    await expectRefused(
      await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload, STRIPE_SECRET, now() - 301) }),
      400,
    );
    await expectRefused(
      await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload, STRIPE_SECRET, now() + 301) }),
      400,
    );
    const rejected = await deliveries(ep.id, "?status=rejected");
    expect(rejected.map((d: any) => d.reason)).toEqual([
      "timestamp_out_of_tolerance",
      "timestamp_out_of_tolerance",
      "bad_signature",
      "bad_signature",
    ]);
    expect(rejected.every((d: any) => d.payload === null && d.runId === null)).toBe(true);
    // Within a custom tolerance, the same stale signature passes.
    await api(`/v1/webhooks/${ep.id}`, { method: "PATCH", body: { toleranceSeconds: 600 } });
    expect((await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload, STRIPE_SECRET, now() - 301) })).status).toBe(
      200,
    );
  });

  it("accepts a header with several v1 signatures when one of them matches", async () => {
    const ep = await stripeEndpoint();
    const payload = stripeEvent("evt_multi");
    const header = await stripeHeader(payload);
    const t = header.split(",")[0];
    const v1 = header.split(",").find((p) => p.startsWith("v1="));
    const res = await deliver(ep.id, payload, { "stripe-signature": `${t},v1=${"00".repeat(32)},${v1},v0=abc` });
    expect(res.status).toBe(200);
  });

  it("answers a duplicate event id with 2xx and starts nothing new", async () => {
    const ep = await stripeEndpoint();
    const payload = stripeEvent("evt_dup");
    const first = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect(first.status).toBe(200);
    // Stripe re-signs a retry with a new timestamp; the event id is the same.
    const again = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload, STRIPE_SECRET, now() - 5) });
    expect({ status: again.status, body: await again.json() }).toEqual({ status: 200, body: { received: true, duplicate: true } });
    const items = await deliveries(ep.id);
    expect(items).toHaveLength(1);
    // Its job starts just after the 2xx: wait for it, then count the runs of this event.
    await vi.waitUntil(async () => (await deliveries(ep.id))[0].runId);
    const runs = await json(await api("/v1/runs?function=wh-echo&trigger=webhook"));
    expect(runs.items.filter((r: any) => r.input?.event?.id === "evt_dup")).toHaveLength(1);
  });
});

describe("GitHub and Standard Webhooks signatures", () => {
  it("GitHub: refuses a missing or malformed X-Hub-Signature-256, a changed byte, a wrong secret; a missing delivery id", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "gh", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const payload = '{"zen":"Keep it logically awesome."}';
    const headers = await githubHeaders(payload, "d-1", "ping");
    const { "x-hub-signature-256": signature, ...rest } = headers;
    await expectRefused(await deliver(ep.id, payload, rest), 400);
    for (const bad of ["sha256=zz", "sha1=abcd", signature?.slice(0, -2) ?? "", `sha256=${"0".repeat(63)}`]) {
      await expectRefused(await deliver(ep.id, payload, { ...rest, "x-hub-signature-256": bad }), 400);
    }
    await expectRefused(await deliver(ep.id, `${payload} `, headers), 401);
    await expectRefused(await deliver(ep.id, payload, await githubHeaders(payload, "d-1", "ping", "another-secret-0123456789")), 401);
    const { "x-github-delivery": _, ...noDelivery } = headers;
    await expectRefused(await deliver(ep.id, payload, noDelivery), 400);
    expect((await deliver(ep.id, payload, headers)).status).toBe(200);
  });

  it("GitHub: a non-JSON body (form-encoded) is accepted and given to the function as text", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "gh-form", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const payload = "payload=%7B%22a%22%3A1%7D";
    const res = await deliver(ep.id, payload, {
      ...(await githubHeaders(payload, "d-form", "push")),
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    const [d] = await deliveries(ep.id);
    expect(d.payload).toBe(payload);
  });

  it("Standard Webhooks: each of the three headers missing or malformed, stale and future, several signatures", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "std", provider: "standard", function: "wh-echo" });
    const payload = '{"type":"user.created"}';
    const good = standardHeaders(ep.secret, "msg_1", payload);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const { [name]: _, ...without } = good;
      await expectRefused(await deliver(ep.id, payload, without), 400);
    }
    await expectRefused(await deliver(ep.id, payload, { ...good, "webhook-timestamp": "soon" }), 400);
    await expectRefused(await deliver(ep.id, payload, { ...good, "webhook-signature": "v1,@@@" }), 400);
    await expectRefused(await deliver(ep.id, payload, { ...good, "webhook-id": "msg_2" }), 401);
    await expectRefused(await deliver(ep.id, payload.replace("user", "usex"), good), 401);
    const stale = standardHeaders(ep.secret, "msg_1", payload, new Date(Date.now() - 301_000));
    const future = standardHeaders(ep.secret, "msg_1", payload, new Date(Date.now() + 301_000));
    await expectRefused(await deliver(ep.id, payload, stale), 400);
    await expectRefused(await deliver(ep.id, payload, future), 400);
    const several = `v1,${btoa("x".repeat(32))} ${good["webhook-signature"]}`;
    expect((await deliver(ep.id, payload, { ...good, "webhook-signature": several })).status).toBe(200);
  });
});

describe("endpoints and limits", () => {
  it("unknown endpoint: 404 with no detail; disabled: 410; nothing stored", async () => {
    const unknown = await deliver("whk_00000000000000000000000000", "{}", {});
    expect({ status: unknown.status, body: await unknown.text() }).toEqual({ status: 404, body: "" });
    const ep = await stripeEndpoint({ enabled: false });
    const payload = stripeEvent("evt_off");
    const res = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 410, body: "" });
    expect(await deliveries(ep.id)).toEqual([]);
  });

  it("refuses a body over 1 MiB with 413 before verifying it", async () => {
    const ep = await stripeEndpoint();
    const payload = JSON.stringify({ id: "evt_big", type: "x", pad: "a".repeat(1024 * 1024) });
    const res = await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) });
    expect(res.status).toBe(413);
    expect(await deliveries(ep.id)).toEqual([]);
  });

  it("rotation: both secrets pass during the window, then only the new one", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "gh-rot", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const rotated = await json(await api(`/v1/webhooks/${ep.id}/rotate`, { body: { previousExpiresInSeconds: 1 } }));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secrets).toHaveLength(2);
    expect(JSON.stringify(await json(await api(`/v1/webhooks/${ep.id}`)))).not.toContain(rotated.secret);
    const payload = '{"n":1}';
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "r-old", "push", GITHUB_SECRET))).status).toBe(200);
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "r-new", "push", rotated.secret))).status).toBe(200);
    // Generous bound: the old secret expires one second after the rotation.
    await vi.waitUntil(
      async () => (await deliver(ep.id, payload, await githubHeaders(payload, "r-old-2", "push", GITHUB_SECRET))).status === 401,
      { timeout: 5_000, interval: 200 },
    );
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "r-new-2", "push", rotated.secret))).status).toBe(200);
    const audit = await json(await api("/v1/audit?action=webhook.rotate"));
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);
  });

  it("a secret added by another isolate works at once, although this one cached the endpoint", async () => {
    await deploy("wh-echo", ECHO_JOB);
    const ep = await createEndpoint({ name: "gh-cache", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const row = () => env.DB.prepare("select secrets from webhook_endpoints where id = ?").bind(ep.id).first<{ secrets: string }>();
    const setSecrets = (secrets: string) =>
      env.DB.prepare("update webhook_endpoints set secrets = ? where id = ?").bind(secrets, ep.id).run();
    const before = (await row())?.secrets ?? "";
    const rotated = await json(await api(`/v1/webhooks/${ep.id}/rotate`, { body: { previousExpiresInSeconds: 3600 } }));
    const after = (await row())?.secrets ?? "";
    // This isolate caches the endpoint as it was before the rotation…
    await setSecrets(before);
    const payload = '{"n":1}';
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "c-old", "push", GITHUB_SECRET))).status).toBe(200);
    // …then the rotation lands in D1 without passing through this isolate (as from another one).
    await setSecrets(after);
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "c-new", "push", rotated.secret))).status).toBe(200);
    expect((await deliver(ep.id, payload, await githubHeaders(payload, "c-bad", "push", "not-the-secret-at-all"))).status).toBe(401);
  });

  it("a flood of bad deliveries keeps at most 100 rejected rows per endpoint", async () => {
    const ep = await stripeEndpoint();
    for (let i = 0; i < 110; i++) await deliver(ep.id, "{}", { "stripe-signature": `t=${now()},v1=${"ab".repeat(32)}` });
    const rejected = await deliveries(ep.id, "?status=rejected&limit=200");
    expect(rejected).toHaveLength(100);
  });

  it("scopes: webhooks:read may list but not create, and never sees a secret", async () => {
    await deploy("wh-echo", ECHO_JOB);
    await createEndpoint({ name: "s", provider: "github", function: "wh-echo", secret: GITHUB_SECRET });
    const key = (await json(await api("/v1/keys", { body: { name: "reader", scopes: ["webhooks:read"] } }))).key;
    const list = await api("/v1/webhooks", { key });
    expect(list.status).toBe(200);
    expect(JSON.stringify(await json(list))).not.toContain(GITHUB_SECRET);
    const create = await api("/v1/webhooks", { key, body: { name: "t", provider: "github", function: "wh-echo" } });
    expect(create.status).toBe(403);
  });
});
