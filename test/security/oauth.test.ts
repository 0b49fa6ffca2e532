// OAuth for hosted MCP clients under attack: unregistered redirect URIs, missing or weak PKCE,
// replayed codes, codes and refresh tokens of one client presented by another, consent asking
// more than the user holds, consent forged from another origin, tokens after revocation, and
// tokens reaching past their grant.
import { describe, expect, it } from "vitest";
import { ADMIN, deploy, expectProblem, json } from "../helpers/api";
import {
  answerConsent,
  authorizeUrl,
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

const TOOL = (name: string) => `
import { defineFunction, z } from "kiln";
export default defineFunction({ description: "${name}", input: z.object({}), async run() { return { name: "${name}" }; } });
`;

async function codeFor(key: string, scopes = ["tools:call"]) {
  const clientId = await register();
  const session = await signIn(key);
  const { verifier, challenge } = await pkce();
  const { handle, cookie } = await startConsent(clientId, challenge);
  const res = await answerConsent(session, cookie, { handle, approve: true, scopes, functions: null });
  expect(res.status).toBe(200);
  const code = new URL((await json(res)).redirectTo).searchParams.get("code")!;
  return { clientId, verifier, code };
}

describe("discovery", () => {
  it("publishes authorization server and protected resource metadata, S256 only", async () => {
    const as = await json(await local("/.well-known/oauth-authorization-server"));
    expect(as).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/oauth/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      registration_endpoint: `${ORIGIN}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
    });
    expect(as.scopes_supported).toContain("tools:call");
    expect(as.scopes_supported).not.toContain("admin");
    expect(as.scopes_supported).not.toContain("keys:manage");
    const prm = await json(await local("/.well-known/oauth-protected-resource/mcp"));
    expect(prm).toMatchObject({ resource: `${ORIGIN}/mcp`, authorization_servers: [ORIGIN] });
  });

  it("answers a request without credentials with a challenge naming the resource metadata", async () => {
    const res = await local("/v1/tools");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="kiln", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`,
    );
  });
});

describe("client registration", () => {
  it("is limited per address, so one caller cannot fill the client store", async () => {
    const from = (ip: string) =>
      local("/oauth/register", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": ip },
        body: JSON.stringify({ client_name: "flood", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
      });
    for (let i = 0; i < 20; i++) expect((await from("203.0.113.7")).status).toBe(201);
    const refused = await expectProblem(await from("203.0.113.7"), 429, "rate_limited");
    expect(refused.detail).toContain("client registration");
    expect((await from("203.0.113.8")).status).toBe(201);
  });

  it("refuses an oversized registration body, even one sent without Content-Length", async () => {
    const big = JSON.stringify({ client_name: "x".repeat(70_000), redirect_uris: [REDIRECT_URI] });
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const res = await local("/oauth/register", { method: "POST", headers: { "content-type": "application/json" }, body: chunked });
    await expectProblem(res, 413, "payload_too_large");
  });

  it("refuses a redirect URI that is plain http off loopback", async () => {
    const res = await local("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" },
      body: JSON.stringify({ client_name: "bad", redirect_uris: ["http://evil.example/cb"], token_endpoint_auth_method: "none" }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe("invalid_client_metadata");
  });
});

describe("the authorize endpoint", () => {
  it("refuses a redirect URI the client did not register, without redirecting there", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const res = await local(
      authorizeUrl(clientId, { redirect_uri: "https://evil.example/cb", code_challenge: challenge, code_challenge_method: "S256" }),
    );
    expect(res.headers.get("location")).toBeNull();
    await expectProblem(res, 400, "bad_request");
  });

  it("starts at most 60 consent transactions per address in 10 minutes", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const from = (ip: string) =>
      local(authorizeUrl(clientId, { code_challenge: challenge, code_challenge_method: "S256" }), { headers: { "cf-connecting-ip": ip } });
    for (let i = 0; i < 60; i++) expect((await from("203.0.113.20")).status).toBe(302);
    await expectProblem(await from("203.0.113.20"), 429, "rate_limited");
    expect((await from("203.0.113.21")).status).toBe(302);
  });

  it("refuses an unknown client", async () => {
    const res = await local(authorizeUrl("nope-client", { code_challenge: "x".repeat(43), code_challenge_method: "S256" }));
    expect(res.headers.get("location")).toBeNull();
    await expectProblem(res, 400, "bad_request");
  });

  it("requires PKCE with S256: none and plain are sent back as invalid_request", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    for (const params of [{}, { code_challenge: challenge }, { code_challenge: challenge, code_challenge_method: "plain" }]) {
      const res = await local(authorizeUrl(clientId, params));
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get("location")!);
      expect(`${to.origin}${to.pathname}`).toBe(REDIRECT_URI);
      expect(to.searchParams.get("error")).toBe("invalid_request");
      expect(to.searchParams.get("code")).toBeNull();
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });
});

describe("the consent answer", () => {
  it("is refused without the same-origin JSON proof (CSRF), and from a bearer key", async () => {
    const key = await createKey({ name: "csrf-user", scopes: ["tools:call"] });
    const session = await signIn(key.key);
    const clientId = await register();
    const { challenge } = await pkce();
    const { handle, cookie } = await startConsent(clientId, challenge);
    const body = { handle, approve: true, scopes: ["tools:call"], functions: null };
    await expectProblem(await answerConsent(session, cookie, body, { origin: "https://evil.example" }), 403, "forbidden");
    const form = await local("/v1/oauth/consent", {
      method: "POST",
      headers: { cookie: `${session}; ${cookie}`, "content-type": "text/plain" },
      body: JSON.stringify(body),
    });
    await expectProblem(form, 403, "forbidden");
    const withKey = await local("/v1/oauth/consent", {
      method: "POST",
      headers: { authorization: `Bearer ${key.key}`, cookie, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await expectProblem(withKey, 403, "forbidden");
    // None of these consumed the consent: the user can still answer it.
    expect((await answerConsent(session, cookie, body)).status).toBe(200);
  });

  it("never grants more scopes or functions than the signed-in user holds", async () => {
    const key = await createKey({ name: "narrow-user", scopes: ["tools:call"], functions: ["oa-alpha"] });
    const session = await signIn(key.key);
    const clientId = await register();
    const { challenge } = await pkce();
    const { handle, cookie } = await startConsent(clientId, challenge);
    const view = await json(await local(`/v1/oauth/consent?handle=${handle}`, { headers: { cookie: session } }));
    expect(view).toMatchObject({ grantableScopes: ["tools:call"], defaultScopes: ["tools:call"], grantableFunctions: ["oa-alpha"] });
    const tooWide = [
      { scopes: ["tools:call", "functions:write"], functions: ["oa-alpha"] },
      { scopes: ["tools:call"], functions: ["oa-alpha", "oa-beta"] },
      { scopes: ["tools:call"], functions: null },
    ];
    for (const ask of tooWide)
      await expectProblem(await answerConsent(session, cookie, { handle, approve: true, ...ask }), 403, "forbidden");
    for (const scope of ["admin", "keys:manage"]) {
      const res = await answerConsent(session, cookie, { handle, approve: true, scopes: [scope], functions: ["oa-alpha"] });
      await expectProblem(res, 400, "validation_failed");
    }
  });

  it("works once, and only in the browser that opened the consent page", async () => {
    const key = await createKey({ name: "once-user", scopes: ["tools:call"] });
    const session = await signIn(key.key);
    const clientId = await register();
    const { challenge } = await pkce();
    const { handle, cookie } = await startConsent(clientId, challenge);
    const body = { handle, approve: true, scopes: ["tools:call"], functions: null };
    const otherBrowser = await answerConsent(session, "__Host-oauth-consent-x=y", body);
    await expectProblem(otherBrowser, 400, "bad_request");
    expect((await answerConsent(session, cookie, body)).status).toBe(200);
    await expectProblem(await answerConsent(session, cookie, body), 400, "bad_request");
  });
});

describe("codes and tokens", () => {
  it("a code works once; replaying it revokes what it gave", async () => {
    const key = await createKey({ name: "replay-user", scopes: ["tools:call"] });
    const { clientId, verifier, code } = await codeFor(key.key);
    const exchange = { grant_type: "authorization_code", code, code_verifier: verifier, client_id: clientId, redirect_uri: REDIRECT_URI };
    const first = await tokenRequest(exchange);
    const tokens = await json(first);
    expect(first.status).toBe(200);
    expect((await bearer("/v1/tools", tokens.access_token)).status).toBe(200);
    const again = await tokenRequest(exchange);
    expect(again.status).toBe(400);
    expect((await json(again)).error).toBe("invalid_grant");
    expect((await bearer("/v1/tools", tokens.access_token)).status).toBe(401);
  });

  it("a code needs its PKCE verifier", async () => {
    const key = await createKey({ name: "verifier-user", scopes: ["tools:call"] });
    const { clientId, code } = await codeFor(key.key);
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code,
      code_verifier: (await pkce()).verifier,
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe("invalid_grant");
  });

  it("a code or refresh token of one client is refused when another presents it", async () => {
    const key = await createKey({ name: "swap-user", scopes: ["tools:call"] });
    const { verifier, code } = await codeFor(key.key);
    const other = await register("Other client");
    const stolen = await tokenRequest({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      client_id: other,
      redirect_uri: REDIRECT_URI,
    });
    expect(stolen.status).toBe(400);
    expect((await json(stolen)).error).toBe("invalid_grant");

    const { tokens } = await connect(key.key);
    const refresh = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: other });
    expect(refresh.status).toBe(400);
    expect((await json(refresh)).error).toBe("invalid_grant");
  });

  it("a token stops working when its grant is revoked, and when the user's key is revoked", async () => {
    const key = await createKey({ name: "revoke-user", scopes: ["tools:call"] });
    const { tokens, clientId, session } = await connect(key.key);
    expect((await bearer("/v1/tools", tokens.access_token)).status).toBe(200);
    const grants = (await json(await local("/v1/oauth/grants", { headers: { cookie: session } }))).items;
    expect(grants).toEqual([expect.objectContaining({ clientId, clientName: "Test MCP client", scopes: ["tools:call"], functions: null })]);
    const del = await local(`/v1/oauth/grants/${grants[0].id}`, {
      method: "DELETE",
      headers: { cookie: session, origin: ORIGIN, "content-type": "application/json" },
    });
    expect(del.status).toBe(204);
    const after = await bearer("/v1/tools", tokens.access_token);
    expect(after.status).toBe(401);
    const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refreshed.status).toBe(400);

    const second = await connect(key.key);
    expect((await bearer("/v1/tools", second.tokens.access_token)).status).toBe(200);
    await local(`/v1/keys/${key.id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
    await expect
      .poll(async () => (await bearer("/v1/tools", second.tokens.access_token)).status, { timeout: 8_000, interval: 250 })
      .toBe(401);
  });

  it("another user cannot see or revoke a user's grants", async () => {
    const owner = await createKey({ name: "grant-owner", scopes: ["tools:call"] });
    const stranger = await createKey({ name: "grant-stranger", scopes: ["tools:call", "keys:manage"] });
    const { tokens, session } = await connect(owner.key);
    const [grant] = (await json(await local("/v1/oauth/grants", { headers: { cookie: session } }))).items;
    expect((await json(await bearer("/v1/oauth/grants", stranger.key))).items).toEqual([]);
    await expectProblem(await bearer(`/v1/oauth/grants/${grant.id}`, stranger.key, { method: "DELETE" }), 404, "not_found");
    expect((await bearer("/v1/tools", tokens.access_token)).status).toBe(200);
  });
});

describe("what a token may reach", () => {
  it("only its granted scopes and functions; never a session, keys or grants", async () => {
    await deploy("oa-alpha", TOOL("oa-alpha"));
    await deploy("oa-beta", TOOL("oa-beta"));
    const key = await createKey({ name: "reach-user", scopes: ["tools:call", "functions:read", "runs:read"] });
    const { tokens } = await connect(key.key, ["tools:call"], ["oa-alpha"]);
    const token = tokens.access_token;
    const catalog = await json(await bearer("/v1/tools", token));
    expect(JSON.stringify(catalog)).toContain("oa-alpha");
    expect(JSON.stringify(catalog)).not.toContain("oa-beta");
    const call = (name: string) =>
      bearer(`/v1/tools/${name}`, token, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(await json(await call("oa-alpha"))).toEqual({ name: "oa-alpha" });
    await expectProblem(await call("oa-beta"), 403, "forbidden");
    await expectProblem(await bearer("/v1/runs", token), 403, "forbidden");
    await expectProblem(await bearer("/v1/oauth/grants", token), 403, "forbidden");
    // A minted agent token would outlive the grant's revocation.
    const mint = await bearer("/v1/tokens", token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"scopes":["tools:call"]}',
    });
    await expectProblem(mint, 403, "forbidden");
    const asSession = await local("/v1/session", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ key: token }),
    });
    await expectProblem(asSession, 401, "unauthorized");
    // A token of this origin's resource is the only kind accepted: a forged one is a plain 401.
    const [user, grant] = token.split(":");
    await expectProblem(await bearer("/v1/tools", `${user}:${grant}:${"A".repeat(32)}`), 401, "unauthorized");
  });
});
