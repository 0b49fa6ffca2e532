// Credentials: the admin key, API keys (shown once, stored hashed, scoped, limited to functions)
// and agent tokens. Refusals are 401/403 problem documents and never carry data.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";

async function createKey(body: unknown, key?: string) {
  const res = await api("/v1/keys", { body, key });
  return { res, body: await json(res.clone()) };
}

describe("access", () => {
  beforeAll(async () => {
    await deploy(
      "alpha",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => "a" });`,
    );
    await deploy(
      "beta",
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), run: () => "b" });`,
    );
  });

  it("answers health without a credential, and nothing else", async () => {
    expect((await api("/healthz", { key: null })).status).toBe(200);
    const problem = await expectProblem(await api("/v1/functions", { key: null }), 401, "unauthorized");
    expect(problem.detail).not.toContain("alpha");
  });

  it("refuses wrong, malformed and almost-right credentials alike", async () => {
    for (const key of [
      "nope",
      `${env.KILN_ADMIN_KEY}x`,
      "kiln_0000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "eyJhbGciOiJub25lIn0.e30.",
    ]) {
      await expectProblem(await api("/v1/tools/alpha", { body: {}, key }), 401, "unauthorized");
    }
    const res = await api("/v1/functions", { headers: { authorization: "Basic abc" }, key: null });
    await expectProblem(res, 401, "unauthorized");
  });

  it("creates a key shown once and stored only as a hash; the key works for its scope and functions only", async () => {
    const { res, body } = await createKey({ name: "agent", scopes: ["tools:call"], functions: ["alpha"] });
    expect(res.status).toBe(201);
    expect(body.key).toMatch(/^kiln_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    const stored = await env.DB.prepare("select * from api_keys where id = ?").bind(body.id).first<Record<string, unknown>>();
    // The secret is the last 43 characters (base64url, so it may itself contain "_").
    expect(JSON.stringify(stored)).not.toContain(body.key.slice(-43));
    const listed = await json(await api("/v1/keys"));
    const row = listed.items.find((k: any) => k.id === body.id);
    expect(row).toMatchObject({ name: "agent", scopes: ["tools:call"], functions: ["alpha"], revokedAt: null });
    expect(row.key).toBeUndefined();

    expect(await json(await api("/v1/tools/alpha", { body: {}, key: body.key }))).toBe("a");
    const other = await expectProblem(await api("/v1/tools/beta", { body: {}, key: body.key }), 403, "forbidden");
    expect(other.detail).toContain('"beta"');
    const scope = await expectProblem(await api("/v1/runs", { key: body.key }), 403, "forbidden");
    expect(scope.detail).toContain("runs:read");
    const catalog = await json(await api("/v1/tools", { key: body.key }));
    expect(catalog.tools.map((t: any) => t.name)).toEqual(["alpha"]);
  });

  it("revokes a key at once, and the tokens minted from it", async () => {
    const { body } = await createKey({ name: "short-lived", scopes: ["tools:call", "runs:read"] });
    const minted = await api("/v1/tokens", { body: { scopes: ["tools:call"], ttlSeconds: 60 }, key: body.key });
    expect(minted.status).toBe(201);
    const { token } = await json(minted);
    expect(await json(await api("/v1/tools/beta", { body: {}, key: token }))).toBe("b");
    await expectProblem(await api("/v1/runs", { key: token }), 403, "forbidden");
    expect((await api(`/v1/keys/${body.id}`, { method: "DELETE" })).status).toBe(204);
    await expectProblem(await api("/v1/tools/beta", { body: {}, key: body.key }), 401, "unauthorized");
    await expectProblem(await api("/v1/tools/beta", { body: {}, key: token }), 401, "unauthorized");
  });

  it("never lets a credential grant more than it holds", async () => {
    const { body: limited } = await createKey({ name: "limited", scopes: ["keys:manage", "tools:call"], functions: ["alpha"] });
    const up = await createKey({ name: "escalate", scopes: ["admin"] }, limited.key);
    expect((await expectProblem(up.res, 403, "forbidden")).detail).toContain("admin");
    const wider = await createKey({ name: "wider", scopes: ["tools:call"], functions: ["alpha", "beta"] }, limited.key);
    expect((await expectProblem(wider.res, 403, "forbidden")).detail).toContain("beta");
    const all = await createKey({ name: "all", scopes: ["tools:call"] }, limited.key);
    await expectProblem(all.res, 403, "forbidden");
    const token = await api("/v1/tokens", { body: { scopes: ["runs:read"] }, key: limited.key });
    await expectProblem(token, 403, "forbidden");
  });

  it("validates key requests field by field", async () => {
    const { res } = await createKey({ name: "", scopes: ["root"], extra: 1 });
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(problem.issues.map((i: any) => i.path).sort()).toEqual(["/", "/name", "/scopes/0"]);
    await expectProblem(await api("/v1/keys/key_missing", { method: "DELETE" }), 404, "not_found");
  });

  it("signs a dashboard session into an HttpOnly SameSite=Strict cookie that authenticates", async () => {
    await expectProblem(await api("/v1/session", { body: { key: "wrong" }, key: null }), 401, "unauthorized");
    const res = await api("/v1/session", { body: { key: env.KILN_ADMIN_KEY }, key: null, headers: { origin: "http://kiln.test" } });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^kiln_session=eyJ/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(env.KILN_ADMIN_KEY);
    const session = cookie.split(";")[0]!;
    const me = await api("/v1/session", { key: null, headers: { cookie: session } });
    expect(await json(me)).toMatchObject({ kind: "session", keyId: "admin", scopes: ["admin"] });
    expect((await api("/v1/functions", { key: null, headers: { cookie: session } })).status).toBe(200);
    // A session cookie is not a bearer token, and a bearer token is not a session.
    await expectProblem(await api("/v1/functions", { key: session.split("=")[1]! }), 401, "unauthorized");
  });
});
