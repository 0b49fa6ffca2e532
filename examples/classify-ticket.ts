/**
 * Example Kiln function: classify a support ticket. Deploy it with
 *   npx kiln deploy examples/classify-ticket.ts
 * then call it as a tool (POST /v1/tools/classify-ticket) or start it as a job (POST /v1/jobs).
 */
import { defineFunction, NonRetriableError, z } from "kiln";

const Urgency = z.enum(["low", "normal", "high"]);

export default defineFunction({
  description: "Classify a support ticket by urgency and topic",
  input: z.object({
    ticketId: z.string().min(1),
    text: z.string().max(20_000),
  }),
  output: z.object({ ticketId: z.string(), urgency: Urgency, topics: z.array(z.string()) }),
  egress: [], // hosts this function may call with fetch(), e.g. ["api.openai.com"]
  timeoutMs: 10_000,
  async run(input, ctx) {
    if (input.text.trim() === "") throw new NonRetriableError("empty ticket");
    const words = await ctx.step("tokenize", () => input.text.toLowerCase().match(/[a-z]+/g) ?? []);
    const urgency = await ctx.step("score urgency", () => {
      const alarming = words.filter((w) => ["down", "outage", "urgent", "broken", "refund"].includes(w)).length;
      return alarming >= 2 ? "high" : alarming === 1 ? "normal" : "low";
    });
    const topics = await ctx.step("topics", () => [...new Set(words.filter((w) => ["billing", "login", "api", "invoice"].includes(w)))]);
    ctx.log.info("classified", { ticketId: input.ticketId, urgency, topics: topics.length });
    return { ticketId: input.ticketId, urgency: Urgency.parse(urgency), topics };
  },
});
