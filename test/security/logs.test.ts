// Hostile inputs to the logs explorer: oversized or malformed filters are 400 problems before
// any query runs, and a key limited to some functions never sees another's lines, live or not.
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

describe("logs explorer inputs", () => {
  it("refuses a huge q, bad times, an unknown level, a forged cursor or function pattern", async () => {
    for (const query of [
      `q=${"x".repeat(201)}`,
      "since=yesterday",
      "until=1700000000000",
      "level=loud",
      "cursor=1%20or%201=1",
      "function=%25",
      "function=a*b",
      "limit=100000",
      "unknown=1",
    ]) {
      await expectProblem(await api(`/v1/logs?${query}`), 400, "validation_failed");
      await expectProblem(await api(`/v1/logs/stream?${query.replace(/^cursor=.*/, "cursor=1:1")}`), 400, "validation_failed");
    }
    await expectProblem(await api("/v1/logs/stream", { headers: { "last-event-id": "-1; drop table" } }), 400, "validation_failed");
  });

  it("needs runs:read, and keeps a limited key's live tail to its own functions", async () => {
    const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: (_, ctx) => { ctx.log.info("secret-ish line"); return 1; } });`;
    await deploy("other-tenant", code);
    const noScope = await json(await api("/v1/keys", { body: { name: "caller", scopes: ["tools:call"] } }));
    await expectProblem(await api("/v1/logs", { key: noScope.key }), 403, "forbidden");
    await expectProblem(await api("/v1/logs/stream", { key: noScope.key }), 403, "forbidden");
    const limited = await json(await api("/v1/keys", { body: { name: "mine", scopes: ["runs:read"], functions: ["mine"] } }));
    const res = await api("/v1/logs/stream?function=other-tenant", { key: limited.key, headers: { "last-event-id": "0" } });
    await waitForRun((await api("/v1/tools/other-tenant", { body: {} })).headers.get("kiln-run-id")!);
    const reader = res.body!.getReader();
    let text = "";
    // Reads for 3 s (one read pending at a time), long enough for a poll to have seen the line.
    const deadline = Date.now() + 3_000;
    let pending = reader.read();
    while (Date.now() < deadline) {
      const next = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      if (next === null) continue;
      if (next.done) break;
      text += new TextDecoder().decode(next.value);
      pending = reader.read();
    }
    await reader.cancel();
    expect(text).toContain("event: ready");
    expect(text).not.toContain("secret-ish");
    expect((await json(await api("/v1/logs", { key: limited.key }))).items).toEqual([]);
  });
});
