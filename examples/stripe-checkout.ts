/**
 * Example Kiln webhook handler: fulfil a Stripe Checkout order when `checkout.session.completed`
 * arrives. Deploy it as a job, then point a Stripe webhook endpoint at it:
 *   POST /v1/webhooks {"name": "shop", "provider": "stripe", "function": "stripe-checkout",
 *                      "secret": "whsec_…", "events": ["checkout.session.*"]}
 * Kiln verifies the Stripe-Signature, stores the event, answers Stripe, then runs this job once
 * per event id (a Stripe retry of the same event starts nothing new).
 */
import { defineFunction, NonRetriableError, z } from "kiln";

const CheckoutSession = z.object({
  id: z.string(),
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  amount_total: z.number().int().nullable(),
  currency: z.string().nullable(),
  customer_details: z.object({ email: z.string().nullable() }).nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export default defineFunction({
  description: "Fulfil a paid Stripe Checkout session",
  // The input every webhook job receives; `payload` is the Stripe event object.
  input: z.object({
    provider: z.literal("stripe"),
    endpoint: z.string(),
    event: z.object({
      id: z.string(),
      type: z.string().nullable(),
      receivedAt: z.string(),
      headers: z.record(z.string(), z.string()),
      payload: z.object({ id: z.string(), type: z.string(), data: z.object({ object: z.unknown() }) }),
    }),
  }),
  exposures: { tool: false, job: true },
  retries: { limit: 3, delayMs: 1_000, backoff: "exponential" },
  async run({ event }, ctx) {
    if (event.payload.type !== "checkout.session.completed") return { ignored: event.payload.type };
    const parsed = CheckoutSession.safeParse(event.payload.data.object);
    if (!parsed.success) throw new NonRetriableError(`not a checkout session: ${parsed.error.message}`);
    const session = parsed.data;
    // Asynchronous payment methods complete later (checkout.session.async_payment_succeeded).
    if (session.payment_status === "unpaid") return { sessionId: session.id, fulfilled: false };
    const order = await ctx.step("record order", () => ({
      orderId: session.metadata?.orderId ?? session.id,
      amount: session.amount_total,
      currency: session.currency,
    }));
    await ctx.step("send receipt", () => {
      ctx.log.info("receipt queued", { orderId: order.orderId, hasEmail: Boolean(session.customer_details?.email) });
      return { queued: true };
    });
    return { sessionId: session.id, fulfilled: true, ...order };
  },
});
