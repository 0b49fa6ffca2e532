/**
 * Support agent, unit 1: classify a ticket's urgency and topic with a model (any OpenAI-compatible
 * `POST /chat/completions`). The key never enters the isolate: Kiln injects it into requests to
 * the model's host only. Variables: MODEL_URL (default https://api.openai.com/v1), MODEL.
 * Walkthrough: README, "Example: a support agent".
 */
import { defineFunction, NonRetriableError, z } from "kiln";

const Classification = z.object({ urgency: z.enum(["low", "normal", "high"]), topic: z.string().min(1).max(100) });

export default defineFunction({
  description: "Classify a support ticket by urgency and topic",
  input: z.object({ ticketId: z.string().min(1).max(100), text: z.string().min(1).max(20_000) }),
  secrets: [{ name: "MODEL_API_KEY", hosts: ["api.openai.com"] }],
  egress: ["api.openai.com"],
  timeoutMs: 30_000,
  async run({ ticketId, text }, ctx) {
    const content = await ctx.step("call model", async () => {
      const res = await fetch(`${String(ctx.env.MODEL_URL ?? "https://api.openai.com/v1")}/chat/completions`, {
        method: "POST",
        headers: { authorization: ctx.secretRef("MODEL_API_KEY", "Bearer {}"), "content-type": "application/json" },
        body: JSON.stringify({
          model: String(ctx.env.MODEL ?? "gpt-5-mini"),
          response_format: { type: "json_object" },
          messages: [
            {
              role: "system",
              content: 'Classify the support ticket. Answer JSON: {"urgency":"low|normal|high","topic":"<one or two words>"}',
            },
            { role: "user", content: text },
          ],
        }),
      });
      // A 4xx other than 429 will not get better by retrying (bad key, bad request).
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(`model API answered ${res.status}`);
      if (!res.ok) throw new Error(`model API answered ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      return body.choices?.[0]?.message?.content ?? "";
    });
    const parsed = Classification.safeParse(JSON.parse(content || "{}"));
    if (!parsed.success) throw new NonRetriableError(`the model's answer is not a classification: ${content.slice(0, 200)}`);
    ctx.log.info("classified", { ticketId, ...parsed.data });
    return { ticketId, ...parsed.data };
  },
});
