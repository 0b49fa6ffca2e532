// A function's retention setting: only a credential allowed to change that function may set it,
// and only to a whole number of days within bounds.
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem } from "../helpers/api";
import { createKey } from "../helpers/oauth";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: () => "ok" });`;

describe("retention setting", () => {
  it("refuses days that are not a whole number from 1 to 3650", async () => {
    await deploy("ret-guard", CODE);
    for (const days of [0, -1, 1.5, 3651, "30", true]) {
      const res = await api("/v1/functions/ret-guard/retention", { method: "PUT", body: { days } });
      await expectProblem(res, 400, "validation_failed");
    }
    await expectProblem(await api("/v1/functions/ret-guard/retention", { method: "PUT", body: {} }), 400, "validation_failed");
    await expectProblem(await api("/v1/functions/nope/retention", { method: "PUT", body: { days: 3 } }), 404, "not_found");
  });

  it("a key limited to one function cannot change another's retention, nor can a read-only key", async () => {
    await deploy("ret-mine", CODE);
    await deploy("ret-theirs", CODE);
    const mine = await createKey({ name: "ret-writer", scopes: ["functions:read", "functions:write"], functions: ["ret-mine"] });
    const reader = await createKey({ name: "ret-reader", scopes: ["functions:read"] });
    expect((await api("/v1/functions/ret-mine/retention", { method: "PUT", body: { days: 2 }, key: mine.key })).status).toBe(200);
    const other = await api("/v1/functions/ret-theirs/retention", { method: "PUT", body: { days: 1 }, key: mine.key });
    expect([403, 404]).toContain(other.status);
    const ro = await api("/v1/functions/ret-mine/retention", { method: "PUT", body: { days: 1 }, key: reader.key });
    expect(ro.status).toBe(403);
  });
});
