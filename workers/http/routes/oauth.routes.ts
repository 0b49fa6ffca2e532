/**
 * OAuth for hosted MCP clients. Public, served by @cloudflare/workers-oauth-provider: discovery
 * (`/.well-known/oauth-authorization-server`, `/.well-known/oauth-protected-resource[/mcp]`),
 * dynamic client registration, the token endpoint (codes, refresh, revocation). Kiln's own: the
 * authorize endpoint, which checks the request and hands the browser to the dashboard's consent
 * page, and under /v1/oauth (behind requireAuth) the consent answer and the user's granted clients.
 *
 * The consent answer is a dashboard session's act only (cookie + the same-origin JSON check that
 * requireAuth applies to cookie writes), and it grants at most what that session holds.
 */
import {
  AuthorizationError,
  type AuthRequest,
  authorizationErrorRedirect,
  type ConsentDescription,
  type GrantSummary,
} from "@cloudflare/workers-oauth-provider";
import { type Context, Hono } from "hono";
import {
  ConsentDecision,
  ConsentQuery,
  ConsentView,
  DEFAULT_OAUTH_SCOPES,
  OAuthGrantId,
  type OAuthGrantView,
  OAuthScope,
} from "../../lib/contracts/oauth";
import { hasScope, narrowGrant, type Principal } from "../../lib/domain/access";
import { sha256Hex } from "../../lib/infra/crypto";
import { AUTHORIZE_PATH, GrantMetadata, type GrantProps, oauthFor, REGISTER_PATH, TOKEN_PATH } from "../../lib/infra/oauth";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { enforceAddressLimit } from "../rate-limit";
import type { AppEnv } from "../types";
import { parseWith, readBody } from "../validate";

/** The dashboard's consent page (a SPA route, so not under /oauth, which the Worker serves). */
const CONSENT_PAGE = "/consent";
/** As long as the library keeps a consent transaction. */
const CONSENT_TTL_SECONDS = 600;
const PKCE_REQUIRED = "PKCE is required: send code_challenge with code_challenge_method=S256";

function servers(c: Context<AppEnv>) {
  const oauth = oauthFor(c.req.url);
  if (!oauth) throw new AppError("not_found", 404, "OAuth is served only over https (or http on localhost)");
  return oauth;
}

// Hono types its context more loosely than workers-types; at run time it is the platform's own.
const ctx = (c: Context<AppEnv>) => c.executionCtx as ExecutionContext;
const oauthApi = (c: Context<AppEnv>) => servers(c).authorization.getOAuthApi(c.env);
const consentKey = async (handle: string) => `kiln:consent:${await sha256Hex(handle)}`;

/** The library's own endpoints (their bodies are bounded by the app's body limit on /oauth/*). */
function toLibrary(c: Context<AppEnv>): Promise<Response> {
  return servers(c).authorization.fetch(c.req.raw, c.env, ctx(c));
}

async function parseAuthorization(c: Context<AppEnv>): Promise<AuthRequest | Response> {
  try {
    return await oauthApi(c).parseAuthRequest(c.req.raw);
  } catch (error) {
    // Redirect only when the library vouches for the redirect URI; otherwise say it here.
    if (!(error instanceof AuthorizationError)) throw error;
    if (error.redirectTo) return c.redirect(error.redirectTo, 302);
    throw new AppError("bad_request", 400, `invalid authorization request: ${error.description}`);
  }
}

/** GET /oauth/authorize: a valid request (registered client and redirect URI, S256 PKCE) goes to the consent page. */
async function authorize(c: Context<AppEnv>): Promise<Response> {
  const request = await parseAuthorization(c);
  if (request instanceof Response) return request;
  if (!request.codeChallenge || request.codeChallengeMethod !== "S256") {
    return c.redirect(authorizationErrorRedirect(request, "invalid_request", PKCE_REQUIRED), 302);
  }
  await enforceAddressLimit(c, "authorize");
  const api = oauthApi(c);
  const details = await api.describeConsent(request);
  const consent = await api.beginConsent(request);
  // The library keeps the request sealed under the handle; the page needs what to show.
  await c.env.OAUTH_KV.put(await consentKey(consent.handle), JSON.stringify(details), { expirationTtl: CONSENT_TTL_SECONDS });
  consent.headers.set("location", `${CONSENT_PAGE}?handle=${consent.handle}`);
  return new Response(null, { status: 302, headers: consent.headers });
}

export const oauthPublicRoutes = new Hono<AppEnv>()
  .all("/.well-known/oauth-authorization-server", toLibrary)
  // RFC 9728: the document for /mcp, also at the root, where clients of older drafts look.
  .all("/.well-known/oauth-protected-resource/mcp", (c) => servers(c).resourceServer.fetch(c.req.raw, c.env, ctx(c)))
  .all("/.well-known/oauth-protected-resource", (c) => {
    const url = new URL(c.req.url);
    url.pathname = "/.well-known/oauth-protected-resource/mcp";
    return servers(c).resourceServer.fetch(new Request(url, c.req.raw), c.env, ctx(c));
  })
  .all(TOKEN_PATH, toLibrary)
  .all(REGISTER_PATH, async (c) => {
    if (c.req.method === "POST") await enforceAddressLimit(c, "register");
    return toLibrary(c);
  })
  .get(AUTHORIZE_PATH, authorize);

/** Consent and grants are a person's acts, from the dashboard (or their own key): never a token's. */
function assertPerson(p: Principal, what: string): void {
  if (p.kind === "token" || p.kind === "oauth")
    throw new AppError("forbidden", 403, `${what} needs the dashboard session or an API key, not a token`);
}

function assertSession(p: Principal): void {
  if (p.kind !== "session") throw new AppError("forbidden", 403, "consent is given in the dashboard, signed in (session cookie)");
}

async function consentView(c: Context<AppEnv>, handle: string): Promise<ConsentView> {
  const stored = await c.env.OAUTH_KV.get<ConsentDescription>(await consentKey(handle), "json");
  if (!stored) throw notFound("this consent request (it expires after 10 minutes; start again from the app)");
  const p = c.get("principal");
  const grantableScopes = OAuthScope.options.filter((s) => hasScope(p, s));
  return ConsentView.parse({
    clientId: stored.clientId,
    clientName: stored.clientName,
    clientUri: stored.clientUri ?? null,
    redirectUri: stored.redirectUri,
    redirectHost: stored.redirectHost,
    redirectIsLoopback: stored.redirectIsLoopback,
    requestedScopes: stored.scope,
    grantableScopes,
    defaultScopes: DEFAULT_OAUTH_SCOPES.filter((s) => grantableScopes.includes(s)),
    grantableFunctions: p.functions === null ? null : [...p.functions],
  });
}

/** The library's answer headers (its cookie changes), with our JSON body. */
function withHeaders(c: Context<AppEnv>, from: Headers, body: { redirectTo: string }): Response {
  const res = c.json(body);
  for (const cookie of from.getSetCookie()) res.headers.append("set-cookie", cookie);
  res.headers.set("cache-control", "no-store");
  return res;
}

/** The library refuses a used, expired or foreign (other browser) handle with AuthorizationError. */
async function consume<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    throw new AppError("bad_request", 400, `this consent request cannot be answered: ${error.description} (start again from the app)`);
  }
}

async function approve(c: Context<AppEnv>, d: Extract<ConsentDecision, { approve: true }>): Promise<Response> {
  const p = c.get("principal");
  const grant = narrowGrant(p, d.scopes, d.functions);
  if (!grant.ok) throw new AppError("forbidden", 403, grant.detail);
  const api = oauthApi(c);
  const approved = await consume(api.approveConsent(c.req.raw, d.handle, { scope: grant.scopes }));
  const client = await api.lookupClient(approved.request.clientId);
  const clientName = client?.clientName?.trim() || approved.request.clientId;
  const props: GrantProps = { keyId: p.keyId, scopes: parseWith(OAuthScope.array(), grant.scopes), functions: grant.functions };
  const metadata: GrantMetadata = { clientName, functions: grant.functions };
  const { redirectTo } = await api.completeAuthorization({
    request: approved.request,
    userId: p.keyId,
    metadata,
    scope: grant.scopes,
    props,
  });
  await audit(c, "oauth.grant", approved.request.clientId, { clientName, scopes: grant.scopes, functions: grant.functions });
  return withHeaders(c, approved.headers, { redirectTo });
}

async function deny(c: Context<AppEnv>, handle: string): Promise<Response> {
  const denied = await consume(oauthApi(c).denyConsent(c.req.raw, handle));
  await audit(c, "oauth.deny", denied.request.clientId);
  return withHeaders(c, denied.headers, { redirectTo: denied.redirectTo });
}

function grantView(g: GrantSummary): OAuthGrantView {
  const meta = GrantMetadata.safeParse(g.metadata);
  return {
    id: g.id,
    clientId: g.clientId,
    clientName: meta.success ? meta.data.clientName : g.clientId,
    scopes: g.scope,
    functions: meta.success ? meta.data.functions : null,
    createdAt: new Date(g.createdAt * 1000).toISOString(),
    expiresAt: g.expiresAt ? new Date(g.expiresAt * 1000).toISOString() : null,
  };
}

const MAX_LISTED_GRANTS = 500;

async function listGrants(c: Context<AppEnv>): Promise<GrantSummary[]> {
  const api = oauthApi(c);
  const all: GrantSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(c.get("principal").keyId, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor && all.length < MAX_LISTED_GRANTS);
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export const oauthRoutes = new Hono<AppEnv>()
  .get("/consent", async (c) => {
    assertSession(c.get("principal"));
    const { handle } = parseWith(ConsentQuery, c.req.query());
    return c.json(await consentView(c, handle));
  })
  .post("/consent", async (c) => {
    assertSession(c.get("principal"));
    const decision = await readBody(c, ConsentDecision);
    const res = decision.approve ? await approve(c, decision) : await deny(c, decision.handle);
    await c.env.OAUTH_KV.delete(await consentKey(decision.handle));
    return res;
  })
  .get("/grants", async (c) => {
    assertPerson(c.get("principal"), "listing granted clients");
    return c.json({ items: (await listGrants(c)).map(grantView) });
  })
  .delete("/grants/:id", async (c) => {
    const p = c.get("principal");
    assertPerson(p, "revoking a client");
    const id = parseWith(OAuthGrantId, c.req.param("id"), "/id");
    const grant = (await listGrants(c)).find((g) => g.id === id);
    if (!grant) throw notFound(`grant ${id}`);
    await oauthApi(c).revokeGrant(id, p.keyId);
    await audit(c, "oauth.revoke", grant.clientId, { grantId: id });
    return c.body(null, 204);
  });
