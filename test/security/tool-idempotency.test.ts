// Idempotency-Key on synchronous tool calls (issue 11 item 6): a repeat returns the first response
// and run id without running the function again, and a key is scoped to one credential and one
// function, so reusing someone else's key never returns their result.
import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";

const NONCE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ n: z.number().optional() }).passthrough(),
  run: async (input) => ({ nonce: crypto.randomUUID(), n: input.n ?? null }) });`;

const call = (fn: string, key: string | null, body: unknown, credential?: string) =>
  api(`/v1/tools/${fn}`, { body, ...(credential ? { key: credential } : {}), headers: key === null ? {} : { "idempotency-key": key } });

async function newKey(name: string, functions: string[] | null = null): Promise<string> {
  const res = await api("/v1/keys", { body: { name, scopes: ["tools:call"], functions } });
  expect(res.status).toBe(201);
  return (await json(res)).key;
}

describe("Idempotency-Key on tool calls", () => {
  it("returns the first result and run id to a repeat, without running the function again", async () => {
    await deploy("idem-nonce", NONCE);
    const first = await call("idem-nonce", "order-1", { n: 1 });
    expect(first.status).toBe(200);
    const again = await call("idem-nonce", "order-1", { n: 1 });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(await json(first));
    expect(again.headers.get("kiln-run-id")).toBe(first.headers.get("kiln-run-id"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // Without a key every call runs.
    const a = await json(await call("idem-nonce", null, {}));
    const b = await json(await call("idem-nonce", null, {}));
    expect(a.nonce).not.toBe(b.nonce);
  });

  it("refuses the same key with a different body (409, not retryable)", async () => {
    await deploy("idem-nonce", NONCE);
    expect((await call("idem-nonce", "order-2", { n: 1 })).status).toBe(200);
    const problem = await expectProblem(await call("idem-nonce", "order-2", { n: 2 }), 409, "conflict");
    expect(problem.retryable).toBe(false);
  });

  it("never returns another credential's result for the same key, nor another function's", async () => {
    await deploy("idem-nonce", NONCE);
    await deploy("idem-other", NONCE);
    const mine = await json(await call("idem-nonce", "shared-key", { n: 7 }));
    const alice = await newKey("idem-alice");
    const theirs = await call("idem-nonce", "shared-key", { n: 7 }, alice);
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(theirs)).nonce).not.toBe(mine.nonce);
    // A token minted from the admin key is a credential of its own, too.
    const token = (await json(await api("/v1/tokens", { body: { scopes: ["tools:call"], ttlSeconds: 60 } }))).token;
    expect((await json(await call("idem-nonce", "shared-key", { n: 7 }, token))).nonce).not.toBe(mine.nonce);
    expect((await json(await call("idem-other", "shared-key", { n: 7 }))).nonce).not.toBe(mine.nonce);
    // And the first caller still gets its own.
    expect((await json(await call("idem-nonce", "shared-key", { n: 7 }))).nonce).toBe(mine.nonce);
  });

  it("does not let a credential without access to a function read a result through a key", async () => {
    await deploy("idem-nonce", NONCE);
    await call("idem-nonce", "private-key", { n: 1 });
    const outsider = await newKey("idem-outsider", ["idem-other"]);
    await expectProblem(await call("idem-nonce", "private-key", { n: 1 }, outsider), 403, "forbidden");
  });

  it("runs a concurrent repeat at most once: the other call is told to retry", async () => {
    await deploy(
      "idem-slow",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: async () => { await new Promise((r) => setTimeout(r, 400)); return crypto.randomUUID(); } });`,
    );
    const [a, b] = await Promise.all([call("idem-slow", "race", {}), call("idem-slow", "race", {})]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(await json(loser)).toMatchObject({ code: "conflict", retryable: true });
    expect(loser.headers.get("retry-after")).toBe("1");
  });

  it("keeps a non-retryable failure for repeats, but lets a retryable one run again", async () => {
    await deploy(
      "idem-fails",
      `import { defineFunction, z, NonRetriableError } from "kiln";
export default defineFunction({ input: z.object({ final: z.boolean() }), run: async (input) => {
  throw input.final ? new NonRetriableError("declined") : new Error("busy " + crypto.randomUUID()); } });`,
    );
    const first = await call("idem-fails", "fail-final", { final: true });
    expect(first.status).toBe(502);
    const repeat = await call("idem-fails", "fail-final", { final: true });
    expect(repeat.headers.get("kiln-run-id")).toBe(first.headers.get("kiln-run-id"));
    expect((await json(repeat)).retryable).toBe(false);
    const busy = await call("idem-fails", "fail-busy", { final: false });
    const retried = await call("idem-fails", "fail-busy", { final: false });
    expect((await json(busy)).retryable).toBe(true);
    expect(retried.headers.get("kiln-run-id")).not.toBe(busy.headers.get("kiln-run-id"));
  });

  it.each([["has spaces"], ["x".repeat(201)], ["sched:abc:1"], [""]])("refuses the malformed key %j", async (key) => {
    await deploy("idem-nonce", NONCE);
    await expectProblem(await call("idem-nonce", key, {}), 400, "validation_failed");
  });
});
