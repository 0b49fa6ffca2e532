// The examples in examples/ deploy and behave as their comments say.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import approveRefund from "../../examples/approve-refund.ts?raw";
import classifyTicket from "../../examples/classify-ticket.ts?raw";
import githubIssuesDigest from "../../examples/github-issues-digest.ts?raw";
import stripeCheckout from "../../examples/stripe-checkout.ts?raw";
import worker from "../../workers/index";
import { api, deploy, json } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";
import { createEndpoint, deliver, deliveries, STRIPE_SECRET, stripeEvent, stripeHeader } from "../helpers/webhooks";

describe("examples", () => {
  it("classify-ticket runs as a tool", async () => {
    await deploy("classify-ticket", classifyTicket);
    const res = await api("/v1/tools/classify-ticket", { body: { ticketId: "t-1", text: "Login is broken and the API is down, urgent!" } });
    expect(await json(res)).toEqual({ ticketId: "t-1", urgency: "high", topics: ["login", "api"] });
  });

  it("approve-refund waits for approval as a job", async () => {
    await deploy("approve-refund", approveRefund);
    const id = await startJob("approve-refund", { orderId: "o-1", amount: 30 });
    await waitForJob(id, (j) => j.status === "waiting");
    await api(`/v1/jobs/${id}/events`, { body: { type: "approval", payload: { approved: true, by: "dana" } } });
    expect(await waitForJob(id, ended)).toMatchObject({ status: "succeeded", output: { refunded: true, by: "dana" } });
  });

  it("stripe-checkout fulfils a checkout.session.completed delivered by Stripe", async () => {
    await deploy("stripe-checkout", stripeCheckout);
    const ep = await createEndpoint({
      name: "shop",
      provider: "stripe",
      function: "stripe-checkout",
      secret: STRIPE_SECRET,
      events: ["checkout.session.*"],
    });
    const payload = stripeEvent("evt_checkout_1", "checkout.session.completed", {
      payment_status: "paid",
      amount_total: 4200,
      currency: "eur",
      customer_details: { email: "ada@example.com" },
      metadata: { orderId: "o-42" },
    });
    expect((await deliver(ep.id, payload, { "stripe-signature": await stripeHeader(payload) })).status).toBe(200);
    // The job is started just after the 2xx.
    const delivery = await vi.waitUntil(async () => (await deliveries(ep.id)).find((d: any) => d.runId));
    expect(await waitForJob(delivery.runId, ended)).toMatchObject({
      status: "succeeded",
      trigger: "webhook",
      output: { sessionId: "cs_test_1", fulfilled: true, orderId: "o-42", amount: 4200, currency: "eur" },
    });
  });

  it("github-issues-digest runs on its hourly schedule against a stand-in GitHub, with the token injected by Kiln", async () => {
    await deploy("github-issues-digest", githubIssuesDigest);
    expect((await api("/v1/secrets/GITHUB_TOKEN", { method: "PUT", body: { value: "github_pat_example_0123456789" } })).status).toBe(201);
    expect((await api("/v1/functions/github-issues-digest/grants", { method: "PUT", body: { secrets: ["GITHUB_TOKEN"] } })).status).toBe(
      200,
    );
    const created = await json(
      await api("/v1/schedules", {
        body: { name: "hourly digest", function: "github-issues-digest", cron: "0 * * * *", input: { repo: "acme/widgets" } },
      }),
    );
    const slot = Date.parse(created.nextFireAt);
    const calls: { url: string; authorization: string | null }[] = [];
    const github = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const request = input instanceof Request ? input : new Request(String(input));
      calls.push({ url: request.url, authorization: request.headers.get("authorization") });
      return Response.json([
        {
          number: 7,
          title: "Crash on start",
          html_url: "https://github.com/acme/widgets/issues/7",
          state: "open",
          comments: 4,
          labels: [{ name: "bug" }],
        },
        {
          number: 8,
          title: "Docs typo",
          html_url: "https://github.com/acme/widgets/issues/8",
          state: "closed",
          comments: 1,
          labels: [{ name: "docs" }, { name: "bug" }],
        },
        {
          number: 9,
          title: "A pull request",
          html_url: "https://github.com/acme/widgets/pull/9",
          state: "open",
          comments: 0,
          labels: [],
          pull_request: {},
        },
      ]);
    });
    try {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: slot }), env, ctx);
      await waitOnExecutionContext(ctx);
      const runs = await json(await api(`/v1/runs?schedule=${created.id}`));
      expect(runs.items).toHaveLength(1);
      const since = new Date(slot - 3_600_000).toISOString();
      expect(await waitForJob(runs.items[0].id, ended)).toMatchObject({
        status: "succeeded",
        trigger: "schedule",
        output: {
          repo: "acme/widgets",
          since,
          open: 1,
          closed: 1,
          byLabel: { bug: 2, docs: 1 },
          busiest: ["#7 Crash on start (4 comments)", "#8 Docs typo (1 comments)"],
        },
      });
      expect(calls).toEqual([
        {
          url: `https://api.github.com/repos/acme/widgets/issues?state=all&sort=updated&per_page=100&since=${since}`,
          authorization: "Bearer github_pat_example_0123456789",
        },
      ]);
    } finally {
      github.mockRestore();
    }
  });
});
