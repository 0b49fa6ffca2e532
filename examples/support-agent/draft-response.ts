/**
 * Support agent, unit 3: draft a suggested answer with a model (OpenAI-compatible
 * `POST /chat/completions`, key injected by Kiln). Variables: MODEL_URL, MODEL.
 * Walkthrough: README, "Example: a support agent".
 */
import { defineFunction, NonRetriableError, z } from "kiln";

export default defineFunction({
  description: "Draft a suggested answer to a support ticket",
  input: z.object({ text: z.string().min(1).max(20_000), topic: z.string().max(100), urgency: z.enum(["low", "normal", "high"]) }),
  secrets: [{ name: "MODEL_API_KEY", hosts: ["api.openai.com"] }],
  egress: ["api.openai.com"],
  timeoutMs: 60_000,
  async run({ text, topic, urgency }, ctx) {
    const draft = await ctx.step("call model", async () => {
      const res = await fetch(`${String(ctx.env.MODEL_URL ?? "https://api.openai.com/v1")}/chat/completions`, {
        method: "POST",
        headers: { authorization: ctx.secretRef("MODEL_API_KEY", "Bearer {}"), "content-type": "application/json" },
        body: JSON.stringify({
          model: String(ctx.env.MODEL ?? "gpt-5-mini"),
          messages: [
            { role: "system", content: `Draft a short, friendly reply to this ${urgency}-urgency support ticket about ${topic}.` },
            { role: "user", content: text },
          ],
        }),
      });
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(`model API answered ${res.status}`);
      if (!res.ok) throw new Error(`model API answered ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      return body.choices?.[0]?.message?.content ?? "";
    });
    if (!draft.trim()) throw new NonRetriableError("the model returned an empty draft");
    return { draft };
  },
});
