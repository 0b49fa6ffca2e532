// Failure alerts end to end in workerd: a failed run goes through the alerts queue to a receiver
// (the stand-in behind the Worker's outbound fetch), signed per Standard Webhooks (checked with
// the `standardwebhooks` package) or in Slack's format; a storm is summed up; a receiver that is
// down gets retries, with the same webhook-id each time.
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { alertDeliveries, createRule, RECEIVER, sleep, startReceiver, waitForDeliveries } from "../helpers/alerts";
import { api, deploy } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";
import { createEndpoint, deliver, standardHeaders } from "../helpers/webhooks";

const FAILING_JOB = `import { defineFunction, NonRetriableError, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  exposures: { tool: false, job: true },
  async run(input, ctx) {
    await ctx.step("fetch order", () => ({ id: 1 }));
    return ctx.step("charge card", () => { throw new NonRetriableError("card declined"); });
  },
});`;

const failingTool = (message: string) => `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ n: z.number().optional() }),
  async run(input, ctx) {
    return ctx.step("call model", () => { throw new Error(${JSON.stringify(message)}); });
  },
});`;

let receiver: ReturnType<typeof startReceiver> | null = null;
afterEach(() => receiver?.stop());

describe("a failed job", () => {
  it("produces exactly one notification, signed per Standard Webhooks, for a rule on several matching events", async () => {
    receiver = startReceiver();
    await deploy("alert-job", FAILING_JOB);
    const rule = await createRule({
      name: "billing failures",
      events: ["run.failed", "job.dead_lettered"],
      function: "alert-job",
      url: `${RECEIVER}/hooks/billing`,
      format: "standard",
    });
    expect(rule.secret).toMatch(/^whsec_/);
    const id = await startJob("alert-job", {});
    expect((await waitForJob(id, ended)).status).toBe("failed");
    const [delivery] = await waitForDeliveries(rule.id, (items) => items[0]?.status === "succeeded");
    await sleep(1500); // nothing else arrives later
    const got = receiver.at("/hooks/billing");
    expect(got).toHaveLength(1);
    const payload = new Webhook(rule.secret).verify(got[0]!.body, got[0]!.headers) as any;
    expect(payload.type).toBe("job.dead_lettered");
    expect(payload.data.rule).toEqual({ id: rule.id, name: "billing failures" });
    expect(payload.data.run).toMatchObject({
      id,
      function: "alert-job",
      trigger: "job",
      status: "failed",
      error: { step: "charge card" },
      url: `http://kiln.test/runs/${id}`,
    });
    expect(payload.data.run.error.message).toContain("card declined");
    expect(got[0]!.headers["webhook-id"]).toBe(delivery.id);
    expect(delivery).toMatchObject({ event: "job.dead_lettered", runId: id, function: "alert-job", attempts: 1, responseStatus: 200 });
    // A wrong secret does not verify.
    expect(() => new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(got[0]!.body, got[0]!.headers)).toThrow();
  });

  it("sends nothing for a rule on another function, a disabled rule, or events that did not happen", async () => {
    receiver = startReceiver();
    await deploy("alert-job-2", FAILING_JOB);
    await deploy("alert-other", FAILING_JOB);
    const other = await createRule({ name: "o", events: ["run.failed"], function: "alert-other", url: `${RECEIVER}/o`, format: "slack" });
    const off = await createRule({ name: "d", events: ["run.failed"], function: "alert-job-2", url: `${RECEIVER}/d`, enabled: false });
    const timeouts = await createRule({ name: "t", events: ["run.timed_out"], url: `${RECEIVER}/t`, format: "slack" });
    const id = await startJob("alert-job-2", {});
    expect((await waitForJob(id, ended)).status).toBe("failed");
    await sleep(1500);
    expect(receiver.received).toEqual([]);
    for (const r of [other, off, timeouts]) expect(await alertDeliveries(r.id)).toEqual([]);
  });
});

describe("the other events", () => {
  it("notifies delivery.failed with the webhook's endpoint and event, and run.timed_out for a tool past its timeout", async () => {
    receiver = startReceiver();
    await deploy("alert-hook", FAILING_JOB.replace("input: z.object({})", "input: z.object({}).passthrough()"));
    await deploy(
      "alert-slow",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), timeoutMs: 200, run: async () => { await new Promise((r) => setTimeout(r, 5_000)); return 1; } });`,
    );
    const hooks = await createRule({ name: "hooks", events: ["delivery.failed"], function: "alert-hook", url: `${RECEIVER}/hooks` });
    const slow = await createRule({ name: "slow", events: ["run.timed_out"], function: "alert-slow", url: `${RECEIVER}/slow` });
    const endpoint = await createEndpoint({ name: "in", provider: "standard", function: "alert-hook" });
    const body = JSON.stringify({ type: "order.paid", data: {} });
    expect((await deliver(endpoint.id, body, standardHeaders(endpoint.secret, "msg_alert_1", body))).status).toBe(200);
    expect((await api("/v1/tools/alert-slow", { body: {} })).status).toBe(504);
    await waitForDeliveries(hooks.id, (items) => items[0]?.status === "succeeded");
    await waitForDeliveries(slow.id, (items) => items[0]?.status === "succeeded");
    const hook = new Webhook(hooks.secret).verify(receiver.at("/hooks")[0]!.body, receiver.at("/hooks")[0]!.headers) as any;
    expect(hook).toMatchObject({
      type: "delivery.failed",
      data: { run: { trigger: "webhook" }, webhook: { endpointId: endpoint.id, eventId: "msg_alert_1" } },
    });
    const timedOut = new Webhook(slow.secret).verify(receiver.at("/slow")[0]!.body, receiver.at("/slow")[0]!.headers) as any;
    expect(timedOut).toMatchObject({
      type: "run.timed_out",
      data: { run: { function: "alert-slow", status: "timed_out", trigger: "tool" } },
    });
  });
});

describe("Slack format", () => {
  it("sends {text} with the function, step, error and a link to the run, with Slack markup in user text escaped", async () => {
    receiver = startReceiver();
    await deploy("alert-slack", failingTool("model said <!channel> & <https://evil.example|click>"));
    const rule = await createRule({
      name: "s",
      events: ["run.failed"],
      function: "alert-slack",
      url: `${RECEIVER}/services/T1/B2/xyz`,
      format: "slack",
    });
    expect(rule.secret).toBeUndefined();
    const res = await api("/v1/tools/alert-slack", { body: {} });
    expect(res.status).toBe(502);
    const runId = res.headers.get("kiln-run-id");
    await waitForDeliveries(rule.id, (items) => items[0]?.status === "succeeded");
    const [got] = receiver.at("/services/T1/B2/xyz");
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["webhook-signature"]).toBeUndefined();
    const { text, ...rest } = JSON.parse(got!.body);
    expect(rest).toEqual({});
    expect(text).toContain("*alert-slack*");
    expect(text).toContain("in step `call model`");
    expect(text).toContain("model said &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;");
    expect(text).toContain(`<http://kiln.test/runs/${runId}|View run ${runId}>`);
    expect(text).not.toContain("<!channel>");
  });
});

describe("a failure storm", () => {
  it("sends a bounded number of messages: the first of each window, then one summary counting the rest", async () => {
    receiver = startReceiver();
    await deploy("alert-storm", failingTool("upstream down"));
    const rule = await createRule({
      name: "storm",
      events: ["run.failed"],
      function: "alert-storm",
      url: `${RECEIVER}/storm`,
      format: "standard",
    });
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const calls = Array.from({ length: 10 }, (_, n) => api("/v1/tools/alert-storm", { body: { n: i * 10 + n } }));
      for (const res of await Promise.all(calls)) expect(res.status).toBe(502);
    }
    // Every failure is either sent on its own or counted in a summary, once each window has closed.
    const accounted = (items: any[]) =>
      items.reduce((sum, d) => sum + (d.event === "alert.suppressed" ? d.suppressed : 1), 0) === 100 &&
      items.every((d) => d.status === "succeeded");
    const items = await waitForDeliveries(rule.id, accounted, 45_000);
    const windows = Math.ceil((Date.now() - started) / 3000) + 1;
    const summaries = items.filter((d) => d.event === "alert.suppressed");
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(items.length).toBeLessThanOrEqual(windows * 11);
    expect(items.length).toBeLessThan(60);
    expect(receiver.at("/storm")).toHaveLength(items.length);
    // Every message verifies; the summaries say how many they stand for.
    const verified = receiver.at("/storm").map((g) => new Webhook(rule.secret).verify(g.body, g.headers) as any);
    const sent = verified.filter((v) => v.type === "alert.suppressed");
    expect(sent.length).toBe(summaries.length);
    expect(sent[0]).toMatchObject({ type: "alert.suppressed", data: { rule: { id: rule.id }, windowSeconds: 3 } });
    expect(sent.reduce((sum, v) => sum + v.data.suppressed, 0) + verified.length - sent.length).toBe(100);
  }, 60_000);
});

describe("a receiver that is down", () => {
  it("gets retries with backoff and the same webhook-id, until it answers", async () => {
    receiver = startReceiver((_path, seen) => (seen < 2 ? new Response("unavailable", { status: 503 }) : new Response("thanks")));
    await deploy("alert-retry", failingTool("boom"));
    const rule = await createRule({
      name: "r",
      events: ["run.failed"],
      function: "alert-retry",
      url: `${RECEIVER}/flaky`,
      format: "standard",
    });
    expect((await api("/v1/tools/alert-retry", { body: {} })).status).toBe(502);
    const [d] = await waitForDeliveries(rule.id, (items) => items[0]?.status === "succeeded");
    expect(d).toMatchObject({ attempts: 3, responseStatus: 200, responseBody: "thanks", lastError: null });
    const got = receiver.at("/flaky");
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.headers["webhook-id"]))).toEqual(new Set([d.id]));
    for (const g of got) expect(() => new Webhook(rule.secret).verify(g.body, g.headers)).not.toThrow();
  });

  it("ends as failed after its attempts, keeping only the start of the answer; a redirect is not followed", async () => {
    receiver = startReceiver((path) =>
      path === "/moved"
        ? new Response(null, { status: 302, headers: { location: `${RECEIVER}/elsewhere` } })
        : new Response("x".repeat(10_000), { status: 500 }),
    );
    await deploy("alert-down", failingTool("boom"));
    const down = await createRule({
      name: "down",
      events: ["run.failed"],
      function: "alert-down",
      url: `${RECEIVER}/down`,
      format: "slack",
    });
    const moved = await createRule({
      name: "moved",
      events: ["run.failed"],
      function: "alert-down",
      url: `${RECEIVER}/moved`,
      format: "slack",
    });
    expect((await api("/v1/tools/alert-down", { body: {} })).status).toBe(502);
    const [d] = await waitForDeliveries(down.id, (items) => items[0]?.status === "failed");
    expect(d).toMatchObject({ attempts: 3, responseStatus: 500, lastError: "HTTP 500", nextAttemptAt: null });
    expect(d.responseBody.length).toBeLessThanOrEqual(256);
    expect(receiver.at("/down")).toHaveLength(3);
    const [m] = await waitForDeliveries(moved.id, (items) => items[0]?.status === "failed");
    expect(m).toMatchObject({ attempts: 1, responseStatus: 302 });
    expect(m.lastError).toContain("redirects are not followed");
    expect(receiver.at("/elsewhere")).toEqual([]);
  });
});
