/**
 * Support agent, unit 2: look the customer up in the CRM (`GET /customers/:email`). The CRM key is
 * host-bound like the model's. Variable: CRM_URL (default https://crm.example.com).
 * Walkthrough: README, "Example: a support agent".
 */
import { defineFunction, NonRetriableError, z } from "kiln";

const Customer = z.object({ name: z.string(), plan: z.string(), since: z.string().optional() });

export default defineFunction({
  description: "Fetch a customer's CRM record by email",
  input: z.object({ email: z.email() }),
  secrets: [{ name: "CRM_API_KEY", hosts: ["crm.example.com"] }],
  egress: ["crm.example.com"],
  timeoutMs: 15_000,
  async run({ email }, ctx) {
    return ctx.step("fetch customer", async () => {
      const res = await fetch(`${String(ctx.env.CRM_URL ?? "https://crm.example.com")}/customers/${encodeURIComponent(email)}`, {
        headers: { authorization: ctx.secretRef("CRM_API_KEY", "Bearer {}") },
      });
      if (res.status === 404) return { email, found: false as const };
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(`CRM answered ${res.status}`);
      if (!res.ok) throw new Error(`CRM answered ${res.status}`);
      const customer = Customer.parse(await res.json());
      return { email, found: true as const, ...customer };
    });
  },
});
