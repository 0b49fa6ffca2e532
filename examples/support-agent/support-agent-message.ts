/**
 * Support agent, the entry point: a job per incoming message. It validates the message, invokes
 * classify-ticket, then enrich-customer and draft-response in parallel; a high-urgency ticket waits
 * for a human's approval (`POST /v1/jobs/<id>/events {"type":"approval","payload":{"approved":true,"by":"dana"}}`),
 * then notify-team posts it to Slack; the result is the job's output. Each call is a durable step
 * and its own run (a child job), so the trace shows the whole tree.
 * Walkthrough: README, "Example: a support agent".
 */
import { defineFunction, NonRetriableError, z } from "kiln";

interface Classification {
  ticketId: string;
  urgency: "low" | "normal" | "high";
  topic: string;
}
type Customer = { email: string; found: false } | { email: string; found: true; name: string; plan: string };

export default defineFunction({
  description: "Handle one support message: classify, enrich, draft, approve when urgent, notify",
  input: z.object({ ticketId: z.string().min(1).max(100), email: z.email(), text: z.string().max(20_000) }),
  invokes: ["classify-ticket", "enrich-customer", "draft-response", "notify-team"],
  exposures: { tool: false, job: true },
  jobTimeoutMs: 2 * 86_400_000,
  async run(input, ctx) {
    const text = await ctx.step("validate", () => {
      const trimmed = input.text.trim();
      if (trimmed.length < 3) throw new NonRetriableError("the message is empty");
      return trimmed;
    });
    const label = await ctx.invoke<Classification>("classify-ticket", { ticketId: input.ticketId, text });
    const [customer, { draft }] = await Promise.all([
      ctx.invoke<Customer>("enrich-customer", { email: input.email }),
      ctx.invoke<{ draft: string }>("draft-response", { text, topic: label.topic, urgency: label.urgency }),
    ]);
    let approvedBy: string | null = null;
    if (label.urgency === "high") {
      const decision = await ctx.waitForEvent<{ approved: boolean; by: string }>("human approval", { type: "approval", timeout: "1 day" });
      if (!decision.payload.approved) return { ticketId: input.ticketId, status: "rejected", by: decision.payload.by };
      approvedBy = decision.payload.by;
      await ctx.invoke("notify-team", {
        ticketId: input.ticketId,
        runId: ctx.run.id,
        urgency: label.urgency,
        topic: label.topic,
        customer: customer.found ? `${customer.name} (${customer.plan})` : input.email,
        draft,
        approvedBy,
      });
    }
    return ctx.step("store result", () => ({
      ticketId: input.ticketId,
      status: approvedBy ? "approved" : "answered",
      urgency: label.urgency,
      topic: label.topic,
      customer,
      reply: draft,
      approvedBy,
    }));
  },
});
