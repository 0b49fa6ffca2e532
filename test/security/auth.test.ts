// Credentials under attack: a key-manager reaching past its own rights, tokens that outlive or
// escape revocation, sessions that survive logout, cross-origin writes riding the session cookie.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, json } from "../helpers/api";

const ORIGIN = "http://kiln.test"; // the origin test requests are made to (test/helpers/api.ts)

async function createKey(body: unknown, key?: string): Promise<any> {
  const res = await api("/v1/keys", { body, key });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created;
}

async function mint(key: string, body: Record<string, unknown>): Promise<any> {
  const res = await api("/v1/tokens", { body, key });
  const minted = await json(res);
  expect(res.status, JSON.stringify(minted)).toBe(201);
  return minted;
}

function claims(jwt: string): Record<string, any> {
  const part = jwt.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(part));
}

/** Signs in like the dashboard does (same origin) and returns the `kiln_session=…` pair. */
async function signIn(key: string): Promise<string> {
  const res = await api("/v1/session", { body: { key }, key: null, headers: { origin: ORIGIN } });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

async function whoAmI(key: string): Promise<number> {
  return (await api("/v1/session", { key })).status;
}

async function keyIds(key?: string): Promise<string[]> {
  const res = await api("/v1/keys", { key });
  expect(res.status).toBe(200);
  return (await json(res)).items.map((k: any) => k.id);
}

describe("keys:manage is bounded by the manager's own rights", () => {
  let wide: any; // admin scope
  let allFns: any; // tools:call on every function
  let alpha: any; // tools:call on sec-alpha
  let beta: any; // tools:call on sec-beta
  let runsAlpha: any; // runs:read on sec-alpha
  let manager: any; // keys:manage + tools:call, limited to sec-alpha

  beforeAll(async () => {
    wide = await createKey({ name: "wide", scopes: ["admin"] });
    allFns = await createKey({ name: "all-fns", scopes: ["tools:call"] });
    alpha = await createKey({ name: "alpha", scopes: ["tools:call"], functions: ["sec-alpha"] });
    beta = await createKey({ name: "beta", scopes: ["tools:call"], functions: ["sec-beta"] });
    runsAlpha = await createKey({ name: "runs-alpha", scopes: ["runs:read"], functions: ["sec-alpha"] });
    manager = await createKey({ name: "manager", scopes: ["keys:manage", "tools:call"], functions: ["sec-alpha"] });
  });

  it("a function-limited manager lists only keys within its scopes and functions", async () => {
    const seen = await keyIds(manager.key);
    expect(seen).toContain(alpha.id);
    expect(seen).toContain(manager.id);
    for (const hidden of [wide, allFns, beta, runsAlpha]) expect(seen).not.toContain(hidden.id);
  });

  it("a function-limited manager cannot revoke an admin key or any key outside its rights: 404, key intact", async () => {
    for (const target of [wide, allFns, beta, runsAlpha]) {
      await expectProblem(await api(`/v1/keys/${target.id}`, { method: "DELETE", key: manager.key }), 404, "not_found");
    }
    expect(await whoAmI(wide.key)).toBe(200);
    expect(await whoAmI(allFns.key)).toBe(200);
    const victim = await createKey({ name: "victim", scopes: ["tools:call"], functions: ["sec-alpha"] });
    expect((await api(`/v1/keys/${victim.id}`, { method: "DELETE", key: manager.key })).status).toBe(204);
    expect(await whoAmI(victim.key)).toBe(401);
  });

  it("a manager limited by scope only sees every function's keys with those scopes, never an admin key", async () => {
    const scoped = await createKey({ name: "scoped-manager", scopes: ["keys:manage", "tools:call"] });
    const seen = await keyIds(scoped.key);
    for (const visible of [allFns, alpha, beta]) expect(seen).toContain(visible.id);
    for (const hidden of [wide, runsAlpha]) expect(seen).not.toContain(hidden.id);
    await expectProblem(await api(`/v1/keys/${wide.id}`, { method: "DELETE", key: scoped.key }), 404, "not_found");
  });

  it("the admin key and admin-scope keys see every key", async () => {
    const all = [wide, allFns, alpha, beta, runsAlpha, manager].map((k) => k.id);
    expect(await keyIds()).toEqual(expect.arrayContaining(all));
    expect(await keyIds(wide.key)).toEqual(expect.arrayContaining(all));
  });
});

describe("token lifetimes and revocation", () => {
  it("a token minted by a token never outlives its parent", async () => {
    const key = await createKey({ name: "minter", scopes: ["tools:call"] });
    const parent = await mint(key.key, { scopes: ["tools:call"], ttlSeconds: 30 });
    const child = await mint(parent.token, { scopes: ["tools:call"], ttlSeconds: 3600 });
    expect(Date.parse(child.expiresAt)).toBeLessThanOrEqual(Date.parse(parent.expiresAt));
    expect(claims(child.token).exp).toBeLessThanOrEqual(claims(parent.token).exp);
    const grandchild = await mint(child.token, { scopes: ["tools:call"], ttlSeconds: 3600 });
    expect(claims(grandchild.token).exp).toBeLessThanOrEqual(claims(parent.token).exp);
  });

  it("every token has a jti, and a token minted with the admin key can be revoked by it", async () => {
    const minted = await mint(env.KILN_ADMIN_KEY, { scopes: ["tools:call"] });
    expect(claims(minted.token).jti).toBe(minted.id);
    expect(await whoAmI(minted.token)).toBe(200);
    expect((await api(`/v1/tokens/${minted.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await whoAmI(minted.token)).toBe(401);
  });

  it("a token's holder may revoke it; a stranger or a manager of fewer rights gets 404", async () => {
    const holderKey = await createKey({ name: "holder", scopes: ["tools:call"], functions: ["sec-alpha"] });
    const stranger = await createKey({ name: "stranger", scopes: ["tools:call"] });
    const manager = await createKey({ name: "small-manager", scopes: ["keys:manage", "tools:call"], functions: ["sec-beta"] });
    const token = await mint(holderKey.key, { scopes: ["tools:call"] });
    for (const other of [stranger.key, manager.key]) {
      await expectProblem(await api(`/v1/tokens/${token.id}`, { method: "DELETE", key: other }), 404, "not_found");
    }
    expect(await whoAmI(token.token)).toBe(200);
    expect((await api(`/v1/tokens/${token.id}`, { method: "DELETE", key: token.token })).status).toBe(204);
    expect(await whoAmI(token.token)).toBe(401);
  });

  it("revoking a token revokes the tokens minted from it", async () => {
    const parent = await mint(env.KILN_ADMIN_KEY, { scopes: ["tools:call"] });
    const child = await mint(parent.token, { scopes: ["tools:call"] });
    expect((await api(`/v1/tokens/${parent.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await whoAmI(child.token)).toBe(401);
  });

  it("revokes every token and session minted with the admin key, and only those", async () => {
    const token = await mint(env.KILN_ADMIN_KEY, { scopes: ["runs:read"] });
    const cookie = await signIn(env.KILN_ADMIN_KEY);
    const key = await createKey({ name: "bystander", scopes: ["tools:call"] });
    const keyToken = await mint(key.key, { scopes: ["tools:call"] });
    await expectProblem(await api("/v1/tokens?subject=admin", { method: "DELETE", key: key.key }), 403, "forbidden");
    await expectProblem(await api("/v1/tokens", { method: "DELETE" }), 400, "validation_failed");
    const res = await api("/v1/tokens?subject=admin", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect((await json(res)).revoked).toBeGreaterThanOrEqual(2);
    expect(await whoAmI(token.token)).toBe(401);
    expect((await api("/v1/session", { key: null, headers: { cookie } })).status).toBe(401);
    expect(await whoAmI(env.KILN_ADMIN_KEY)).toBe(200);
    expect(await whoAmI(keyToken.token)).toBe(200);
  });

  it("logout revokes the session: the same cookie replayed afterwards gets 401", async () => {
    const cookie = await signIn(env.KILN_ADMIN_KEY);
    expect((await api("/v1/session", { key: null, headers: { cookie } })).status).toBe(200);
    const out = await api("/v1/session", {
      method: "DELETE",
      key: null,
      headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
    });
    expect(out.status).toBe(204);
    await expectProblem(await api("/v1/session", { key: null, headers: { cookie } }), 401, "unauthorized");
    await expectProblem(await api("/v1/functions", { key: null, headers: { cookie } }), 401, "unauthorized");
  });

  it("a token minted for the largest allowed function list authenticates, as does its session cookie", async () => {
    const functions = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, "0")}-${"x".repeat(58)}`);
    expect(functions.every((f) => f.length === 63)).toBe(true);
    const scopes = ["functions:read", "functions:write", "tools:call", "jobs:write", "jobs:read", "runs:read", "keys:manage"];
    const key = await createKey({ name: "many-functions", scopes, functions });
    const minted = await mint(key.key, { scopes });
    const me = await api("/v1/session", { key: minted.token });
    expect(me.status).toBe(200);
    expect((await json(me)).functions).toHaveLength(100);
    const cookie = await signIn(key.key);
    expect(cookie.length).toBeLessThan(4096); // what browsers keep of one cookie
    expect((await api("/v1/session", { key: null, headers: { cookie } })).status).toBe(200);
  });

  it("accepts the Bearer scheme in any case", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const res = await api("/v1/functions", { key: null, headers: { authorization: `${scheme} ${env.KILN_ADMIN_KEY}` } });
      expect(res.status, scheme).toBe(200);
    }
  });
});

describe("CSRF: writes riding the session cookie", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(env.KILN_ADMIN_KEY);
  });

  async function keysNamed(name: string): Promise<number> {
    const row = await env.DB.prepare("select count(*) as n from api_keys where name = ?").bind(name).first<{ n: number }>();
    return row?.n ?? 0;
  }

  it("refuses a cross-origin POST /v1/keys without a content type: 403, no key created", async () => {
    const res = await api("/v1/keys", {
      key: null,
      rawBody: JSON.stringify({ name: "csrf-no-type", scopes: ["admin"] }),
      headers: { cookie, origin: "https://evil.example" },
    });
    expect((await expectProblem(res, 403, "forbidden")).detail).toContain("content-type");
    expect(await keysNamed("csrf-no-type")).toBe(0);
  });

  it("refuses a cross-origin JSON write, and one with neither Origin nor Sec-Fetch-Site", async () => {
    const body = { name: "csrf-json", scopes: ["admin"] };
    const attempts: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "http://kiln.test:8080" },
      { "sec-fetch-site": "same-site" },
      {},
    ];
    for (const headers of attempts) {
      const res = await api("/v1/keys", { key: null, body, headers: { cookie, ...headers } });
      expect((await expectProblem(res, 403, "forbidden")).detail).toContain("origin");
    }
    const bodiless = await api("/v1/keys/key_whatever", { method: "DELETE", key: null, headers: { cookie } });
    await expectProblem(bodiless, 403, "forbidden");
    expect(await keysNamed("csrf-json")).toBe(0);
  });

  it("accepts a same-origin JSON write (by Origin or by Sec-Fetch-Site), and reads from anywhere", async () => {
    const byOrigin = await api("/v1/keys", {
      key: null,
      body: { name: "same-origin", scopes: ["runs:read"] },
      headers: { cookie, origin: ORIGIN },
    });
    expect(byOrigin.status).toBe(201);
    const bySite = await api("/v1/keys", {
      key: null,
      body: { name: "same-origin-site", scopes: ["runs:read"] },
      headers: { cookie, "sec-fetch-site": "same-origin" },
    });
    expect(bySite.status).toBe(201);
    expect((await api("/v1/keys", { key: null, headers: { cookie, origin: "https://evil.example" } })).status).toBe(200);
  });

  it("does not apply to bearer credentials, which are not ambient", async () => {
    const res = await api("/v1/keys", {
      body: { name: "bearer-anywhere", scopes: ["runs:read"] },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(201);
  });

  it("refuses a cross-origin sign-in (login CSRF): 403 and no cookie", async () => {
    const attempts: Record<string, string>[] = [{ origin: "https://evil.example" }, {}];
    for (const headers of attempts) {
      const res = await api("/v1/session", { key: null, body: { key: env.KILN_ADMIN_KEY }, headers });
      await expectProblem(res, 403, "forbidden");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });
});

describe("key list details", () => {
  it("keys made in the same instant have different prefixes, each the start of its key", async () => {
    const made = await Promise.all([1, 2, 3, 4].map((i) => createKey({ name: `twin-${i}`, scopes: ["runs:read"] })));
    const prefixes = made.map((k) => k.prefix);
    expect(new Set(prefixes).size).toBe(made.length);
    for (const k of made) expect(k.key.startsWith(k.prefix)).toBe(true);
    // The prefix comes from the id, never from the secret.
    for (const k of made) expect(k.id.slice("key_".length).startsWith(k.prefix.slice("kiln_".length))).toBe(true);
  });

  it("a second DELETE of a revoked key answers 204 and keeps the first revokedAt", async () => {
    const key = await createKey({ name: "twice", scopes: ["runs:read"] });
    expect((await api(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const first = (await json(await api("/v1/keys"))).items.find((k: any) => k.id === key.id).revokedAt;
    expect(first).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect((await api(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const second = (await json(await api("/v1/keys"))).items.find((k: any) => k.id === key.id).revokedAt;
    expect(second).toBe(first);
  });
});
