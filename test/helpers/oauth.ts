// Helpers for OAuth tests: an MCP client's side of the flow (registration, PKCE, authorize, token)
// and the user's (a dashboard session answering the consent page), against the in-process Worker.
// OAuth needs https or a loopback origin, so these requests go to http://localhost.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ADMIN, json } from "./api";

export const ORIGIN = "http://localhost";
export const REDIRECT_URI = "http://127.0.0.1:33418/callback";

export function local(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }));
}

export async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await local("/v1/keys", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created;
}

/** Signs in as the dashboard does and returns the `kiln_session=…` pair. */
export async function signIn(key: string): Promise<string> {
  const res = await local("/v1/session", {
    method: "POST",
    headers: { origin: ORIGIN, "content-type": "application/json" },
    body: JSON.stringify({ key }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** Registers a public client; each from its own address, so tests never share a registration bucket. */
export async function register(name = "Test MCP client", redirectUris = [REDIRECT_URI]): Promise<string> {
  const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;
  const res = await local("/oauth/register", {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ client_name: name, redirect_uris: redirectUris, token_endpoint_auth_method: "none" }),
  });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.client_id;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

export function authorizeUrl(clientId: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT_URI, state: "st-1" });
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) q.delete(k);
    else q.set(k, v);
  }
  return `/oauth/authorize?${q}`;
}

/** Follows /oauth/authorize to the consent page: its handle and the browser-binding cookie. */
export async function startConsent(clientId: string, challenge: string): Promise<{ handle: string; cookie: string }> {
  const res = await local(authorizeUrl(clientId, { code_challenge: challenge, code_challenge_method: "S256" }), {
    headers: { "cf-connecting-ip": `198.51.100.1-${crypto.randomUUID()}` },
  });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!, ORIGIN);
  expect(location.pathname).toBe("/consent");
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  expect(cookie).toMatch(/^__Host-oauth-consent/);
  return { handle: location.searchParams.get("handle")!, cookie };
}

/** The consent page's answer, as the dashboard sends it (same origin, JSON, both cookies). */
export function answerConsent(session: string, consentCookie: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return local("/v1/oauth/consent", {
    method: "POST",
    headers: { cookie: `${session}; ${consentCookie}`, origin: ORIGIN, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export function tokenRequest(params: Record<string, string>): Promise<Response> {
  return local("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
}

/** The whole flow for `key`, granting `scopes` and `functions`: an access token and the client id. */
export async function connect(
  key: string,
  scopes: string[] = ["tools:call"],
  functions: string[] | null = null,
): Promise<{ tokens: Tokens; clientId: string; session: string }> {
  const clientId = await register();
  const session = await signIn(key);
  const { verifier, challenge } = await pkce();
  const { handle, cookie } = await startConsent(clientId, challenge);
  const res = await answerConsent(session, cookie, { handle, approve: true, scopes, functions });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  const code = new URL(body.redirectTo).searchParams.get("code")!;
  const tokenRes = await tokenRequest({
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
  });
  const tokens = await json(tokenRes);
  expect(tokenRes.status, JSON.stringify(tokens)).toBe(200);
  return { tokens, clientId, session };
}

export function bearer(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return local(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
}
