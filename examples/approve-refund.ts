/**
 * Example Kiln job: a refund that waits for a human's approval. Start it with
 *   POST /v1/jobs {"function": "approve-refund", "input": {"orderId": "o-1", "amount": 30}}
 * then approve it with
 *   POST /v1/jobs/<id>/events {"type": "approval", "payload": {"approved": true, "by": "dana"}}
 */
import { defineFunction, z } from "kiln";

export default defineFunction({
  description: "Refund an order once a manager approves",
  input: z.object({ orderId: z.string(), amount: z.number().positive() }),
  exposures: { tool: false, job: true },
  concurrency: 5,
  retries: { limit: 3, delayMs: 2_000, backoff: "exponential" },
  async run({ orderId, amount }, ctx) {
    const order = await ctx.step("load order", () => ({ orderId, amount, currency: "EUR" }));
    const decision = await ctx.waitForEvent<{ approved: boolean; by: string }>("manager approval", { type: "approval", timeout: "1 day" });
    if (!decision.payload.approved) return { refunded: false, by: decision.payload.by };
    await ctx.step("refund", ({ attempt }) => {
      ctx.log.info("refunding", { orderId, attempt });
      return { refundId: `rf_${order.orderId}` };
    });
    return { refunded: true, by: decision.payload.by };
  },
});
