// The examples in examples/ deploy and behave as their comments say.
import { describe, expect, it } from "vitest";
import approveRefund from "../../examples/approve-refund.ts?raw";
import classifyTicket from "../../examples/classify-ticket.ts?raw";
import stripeCheckout from "../../examples/stripe-checkout.ts?raw";
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
    const [delivery] = await deliveries(ep.id);
    expect(await waitForJob(delivery.runId, ended)).toMatchObject({
      status: "succeeded",
      trigger: "webhook",
      output: { sessionId: "cs_test_1", fulfilled: true, orderId: "o-42", amount: 4200, currency: "eur" },
    });
  });
});
