/**
 * Example Kiln function with secrets (README, "Secrets and configuration"): CRM_TOKEN is read
 * from ctx.secrets; OPENAI_API_KEY never enters the isolate (Kiln injects it into the header for
 * api.openai.com only). Deploy it with `npx kiln deploy examples/enrich-customer.ts`, then set and
 * grant the secrets and the CRM_URL variable as the README shows.
 */
import { defineFunction, z } from "kiln";

export default defineFunction({
  input: z.object({ customerId: z.string() }),
  // CRM_TOKEN reaches ctx.secrets; OPENAI_API_KEY never enters the isolate (recommended).
  secrets: ["CRM_TOKEN", { name: "OPENAI_API_KEY", hosts: ["api.openai.com"] }],
  egress: ["crm.example.com", "api.openai.com"],
  async run(input, ctx) {
    const crm = await fetch(`${ctx.env.CRM_URL}/customers/${input.customerId}`, {
      headers: { authorization: `Bearer ${ctx.secrets.CRM_TOKEN}` },
    });
    const model = await fetch("https://api.openai.com/v1/responses", {
      method: "POST",
      headers: { authorization: ctx.secretRef("OPENAI_API_KEY", "Bearer {}"), "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5-mini", input: "…" }),
    });
    return { customer: await crm.json(), answer: await model.json() };
  },
});
