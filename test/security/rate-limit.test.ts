// Rate limits an agent cannot talk its way around: a function's own limit (tool calls and job
// starts share it), an API key's limit (shared by the tokens and sessions minted from it), 429
// with Retry-After and RateLimit-* headers, refused calls never reaching the function, recovery.
import { describe, expect, it, vi } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const fnCode = (rateLimit?: { requests: number; perSeconds: number }) => `
import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  ${rateLimit ? `rateLimit: ${JSON.stringify(rateLimit)},` : ""}
  async run(input, ctx) { return { run: ctx.run.id }; },
});
`;

async function call(name: string, key?: string, query = ""): Promise<Response> {
  return api(`/v1/tools/${name}${query}`, { body: {}, key });
}

async function expectLimited(res: Response): Promise<void> {
  const body = await expectProblem(res, 429, "rate_limited");
  expect(body.runId).toBeUndefined();
  expect(res.headers.get("kiln-run-id")).toBeNull();
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(res.headers.get("ratelimit-remaining")).toBe("0");
  expect(Number(res.headers.get("ratelimit-limit"))).toBeGreaterThan(0);
  expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
}

async function runsOf(name: string): Promise<any[]> {
  return (await json(await api(`/v1/runs?function=${name}&limit=200`))).items;
}

async function createKey(body: Record<string, unknown>): Promise<any> {
  const res = await api("/v1/keys", { body });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created;
}

describe("a function's rate limit", () => {
  it("refuses the call after a burst of N with 429 + Retry-After, stores no run for it, and recovers", async () => {
    const version = await deploy("rl-burst", fnCode({ requests: 2, perSeconds: 2 }));
    expect(version.manifest.rateLimit).toEqual({ requests: 2, perSeconds: 2 });
    // A concurrent burst: the bucket decides within milliseconds, whatever the calls then take.
    const burst = await Promise.all([call("rl-burst"), call("rl-burst"), call("rl-burst")]);
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const ok = burst.filter((r) => r.status === 200);
    expect(ok[0]!.headers.get("ratelimit-limit")).toBe("2");
    await expectLimited(burst.find((r) => r.status === 429)!);
    // Recovers: one call is back within about a second (1 token per second); poll, never sleep.
    const again = await vi.waitUntil(
      async () => {
        const res = await call("rl-burst");
        return res.status === 200 ? res : false;
      },
      { timeout: 5_000, interval: 150 },
    );
    const last = await waitForRun(again.headers.get("kiln-run-id")!);
    await Promise.all(ok.map((r) => waitForRun(r.headers.get("kiln-run-id")!)));
    // Exactly the allowed calls ran: the 3 successes, not the refused ones (written before `last`'s).
    const runs = await runsOf("rl-burst");
    expect(runs.map((r) => r.id).sort()).toEqual([...ok.map((r) => r.headers.get("kiln-run-id")), last.id].sort());
  });

  it("is set by the deploy request too, and one function's limit does not touch another's", async () => {
    await deploy("rl-one", fnCode(), { rateLimit: { requests: 1, perSeconds: 600 } });
    await deploy("rl-other", fnCode(), { rateLimit: { requests: 1, perSeconds: 600 } });
    await deploy("rl-free", fnCode());
    expect((await call("rl-one")).status).toBe(200);
    await expectLimited(await call("rl-one"));
    expect((await call("rl-other")).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call("rl-free")).status).toBe(200);
  });

  it("counts job starts, async tool calls and replays in the same bucket as tool calls", async () => {
    await deploy("rl-jobs", fnCode({ requests: 3, perSeconds: 600 }));
    const sync = await call("rl-jobs");
    expect(sync.status).toBe(200);
    expect((await api("/v1/jobs", { body: { function: "rl-jobs", input: {} } })).status).toBe(202);
    expect((await call("rl-jobs", undefined, "?async=true")).status).toBe(202);
    await expectLimited(await api("/v1/jobs", { body: { function: "rl-jobs", input: {} } }));
    await expectLimited(await call("rl-jobs", undefined, "?async=true"));
    const parent = await waitForRun(sync.headers.get("kiln-run-id")!);
    await expectLimited(await api(`/v1/runs/${parent.id}/replay`, { body: {} }));
    await vi.waitUntil(async () => (await runsOf("rl-jobs")).length >= 3, { timeout: 5_000, interval: 50 });
    expect(await runsOf("rl-jobs")).toHaveLength(3);
  });

  it("rejects an invalid limit at deploy", async () => {
    const res = await api("/v1/functions", {
      body: { name: "rl-bad", code: fnCode(), manifest: { rateLimit: { requests: 0, perSeconds: 1 } } },
    });
    const body = await expectProblem(res, 400, "validation_failed");
    expect(body.issues.map((i: any) => i.path)).toContain("/manifest/rateLimit/requests");
  });
});

describe("an API key's rate limit", () => {
  it("applies across functions, is shown in the key view, and leaves other keys and the admin key alone", async () => {
    await deploy("rl-k1", fnCode());
    await deploy("rl-k2", fnCode());
    const limited = await createKey({ name: "limited", scopes: ["tools:call"], rateLimit: { requests: 2, perSeconds: 600 } });
    const free = await createKey({ name: "free", scopes: ["tools:call"] });
    expect(limited.rateLimit).toEqual({ requests: 2, perSeconds: 600 });
    expect(free.rateLimit).toBeNull();
    const listed = (await json(await api("/v1/keys"))).items.find((k: any) => k.id === limited.id);
    expect(listed.rateLimit).toEqual({ requests: 2, perSeconds: 600 });
    expect((await call("rl-k1", limited.key)).status).toBe(200);
    expect((await call("rl-k2", limited.key)).status).toBe(200);
    await expectLimited(await call("rl-k1", limited.key));
    await expectLimited(await call("rl-k2", limited.key));
    expect((await call("rl-k1", free.key)).status).toBe(200);
    expect((await call("rl-k1")).status).toBe(200);
  });

  it("is shared by tokens minted from the key (minting does not escape it)", async () => {
    await deploy("rl-tok", fnCode());
    const limited = await createKey({ name: "limited-minter", scopes: ["tools:call"], rateLimit: { requests: 2, perSeconds: 600 } });
    const minted = await json(await api("/v1/tokens", { body: { scopes: ["tools:call"] }, key: limited.key }));
    expect(minted.token).toMatch(/^eyJ/);
    expect((await call("rl-tok", minted.token)).status).toBe(200);
    expect((await call("rl-tok", limited.key)).status).toBe(200);
    await expectLimited(await call("rl-tok", minted.token));
    const another = await json(await api("/v1/tokens", { body: { scopes: ["tools:call"] }, key: limited.key }));
    await expectLimited(await call("rl-tok", another.token));
  });

  it("is shared by a dashboard session signed in with the key", async () => {
    await deploy("rl-ses", fnCode());
    const limited = await createKey({ name: "limited-user", scopes: ["tools:call"], rateLimit: { requests: 1, perSeconds: 600 } });
    const origin = "http://kiln.test";
    const signIn = await api("/v1/session", { body: { key: limited.key }, key: null, headers: { origin } });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    const viaSession = () => api("/v1/tools/rl-ses", { body: {}, key: null, headers: { cookie, origin } });
    expect((await viaSession()).status).toBe(200);
    await expectLimited(await call("rl-ses", limited.key));
    await expectLimited(await viaSession());
  });

  it("rejects an invalid key limit", async () => {
    const res = await api("/v1/keys", { body: { name: "bad", scopes: ["tools:call"], rateLimit: { requests: 1, perSeconds: 0 } } });
    const body = await expectProblem(res, 400, "validation_failed");
    expect(body.issues.map((i: any) => i.path)).toContain("/rateLimit/perSeconds");
  });
});
