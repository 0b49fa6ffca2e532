// Stored configuration is bounded, so one tenant's key cannot grow what every request or tick
// reads: secrets (all listed at once), webhook endpoints per function.
import { describe, expect, it } from "vitest";
import { MAX_SECRETS } from "../../workers/lib/contracts/secrets";
import { api, deploy, expectProblem } from "../helpers/api";
import { createEndpoint, ECHO_JOB } from "../helpers/webhooks";

describe("configuration caps", () => {
  it("holds at most MAX_SECRETS secrets; replacing an existing one still works at the cap", { timeout: 60_000 }, async () => {
    for (let i = 0; i < MAX_SECRETS; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => api(`/v1/secrets/CAP_${i + j}`, { method: "PUT", body: { value: "value-x" } }));
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    const over = await api("/v1/secrets/ONE_TOO_MANY", { method: "PUT", body: { value: "value-x" } });
    expect((await expectProblem(over, 409, "conflict")).detail).toMatch(/at most 500 secrets/);
    expect((await api("/v1/secrets/CAP_0", { method: "PUT", body: { value: "value-y" } })).status).toBe(204);
  });

  it("allows at most 20 webhook endpoints per function", { timeout: 60_000 }, async () => {
    await deploy("hooked", ECHO_JOB);
    for (let i = 0; i < 20; i++) await createEndpoint({ name: `e${i}`, provider: "github", function: "hooked" });
    const over = await api("/v1/webhooks", { body: { name: "e20", provider: "github", function: "hooked" } });
    expect((await expectProblem(over, 409, "conflict")).detail).toMatch(/already has 20 webhook endpoints/);
  });
});
