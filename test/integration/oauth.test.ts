// OAuth for hosted MCP clients, the paths a user relies on: consent with the defaults, refresh,
// deny, the audit trail, and discovery where clients of older drafts look for it.
import { describe, expect, it } from "vitest";
import { api, expectProblem, json } from "../helpers/api";
import {
  answerConsent,
  bearer,
  connect,
  createKey,
  local,
  ORIGIN,
  pkce,
  REDIRECT_URI,
  register,
  signIn,
  startConsent,
  tokenRequest,
} from "../helpers/oauth";

describe("OAuth consent and tokens", () => {
  it("offers the tool-calling scopes by default and everything the user holds but key management", async () => {
    const key = await createKey({ name: "wide-user", scopes: ["admin"] });
    const session = await signIn(key.key);
    const { challenge } = await pkce();
    const { handle } = await startConsent(await register("Wide client"), challenge);
    const view = await json(await local(`/v1/oauth/consent?handle=${handle}`, { headers: { cookie: session } }));
    expect(view).toMatchObject({
      clientName: "Wide client",
      redirectUri: REDIRECT_URI,
      redirectHost: "127.0.0.1",
      redirectIsLoopback: true,
      defaultScopes: ["tools:call", "jobs:write", "jobs:read"],
      grantableFunctions: null,
    });
    expect(view.grantableScopes).toContain("secrets:write");
    expect(view.grantableScopes).not.toContain("admin");
    expect(view.grantableScopes).not.toContain("keys:manage");
  });

  it("refreshes a token into one with the same rights", async () => {
    const key = await createKey({ name: "refresh-user", scopes: ["tools:call", "runs:read"] });
    const { tokens, clientId } = await connect(key.key, ["runs:read"]);
    expect(tokens.scope).toBe("runs:read");
    const res = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId });
    const fresh = await json(res);
    expect(res.status).toBe(200);
    expect(fresh.access_token).not.toBe(tokens.access_token);
    expect((await bearer("/v1/runs", fresh.access_token)).status).toBe(200);
    expect((await bearer("/v1/tools", fresh.access_token)).status).toBe(403);
  });

  it("deny sends the client back with access_denied; grant, deny and revoke are audited", async () => {
    const key = await createKey({ name: "audit-user", scopes: ["tools:call"] });
    const session = await signIn(key.key);
    const clientId = await register("Denied client");
    const { challenge } = await pkce();
    const { handle, cookie } = await startConsent(clientId, challenge);
    const res = await answerConsent(session, cookie, { handle, approve: false });
    expect(res.status).toBe(200);
    const to = new URL((await json(res)).redirectTo);
    expect(`${to.origin}${to.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ error: "access_denied", state: "st-1", iss: ORIGIN });

    const granted = await connect(key.key);
    const [grant] = (await json(await bearer("/v1/oauth/grants", key.key))).items;
    expect((await bearer(`/v1/oauth/grants/${grant.id}`, key.key, { method: "DELETE" })).status).toBe(204);
    const events = (await json(await api(`/v1/audit?actor=${key.id}`))).items.map((e: any) => [e.action, e.target, e.actor.kind]);
    expect(events).toEqual(
      expect.arrayContaining([
        ["oauth.deny", clientId, "session"],
        ["oauth.grant", granted.clientId, "session"],
        ["oauth.revoke", granted.clientId, "key"],
      ]),
    );
  });
});

describe("discovery", () => {
  it("serves the protected resource document at the root too", async () => {
    const prm = await json(await local("/.well-known/oauth-protected-resource"));
    expect(prm).toMatchObject({ resource: `${ORIGIN}/mcp`, authorization_servers: [ORIGIN] });
  });

  it("has no OAuth on a plain-http origin other than loopback, and says so", async () => {
    await expectProblem(await api("/.well-known/oauth-authorization-server", { key: null }), 404, "not_found");
    const res = await api("/v1/tools", { key: null });
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="kiln"');
  });
});
