/**
 * Kiln as an OAuth 2.1 authorization server for its own MCP endpoint, on
 * @cloudflare/workers-oauth-provider (clients, grants and hashed tokens in OAUTH_KV). The library
 * fixes its issuer at construction while Kiln learns its public origin from each request, so one
 * server is built per origin and kept; an origin the library refuses (plain http off loopback)
 * gets no OAuth at all. Imports the library, the contracts and the domain; no Hono.
 *
 * An access token's rights are the grant's props (encrypted by the library with a key only the
 * token unwraps): the granting key's id, scopes and functions, already narrowed at consent.
 */
import { OAuthAuthorizationServer, OAuthResourceServer } from "@cloudflare/workers-oauth-provider";
import { z } from "zod";
import { FunctionName } from "../contracts/functions";
import { OAuthScope } from "../contracts/oauth";

/** The path of the protected resource every token is issued for. */
export const MCP_PATH = "/mcp";
export const AUTHORIZE_PATH = "/oauth/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
/** Access tokens live an hour; the client refreshes them (refresh tokens: the library's 30 days). */
const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** What a grant carries, stored encrypted with each token. */
export const GrantProps = z.strictObject({
  keyId: z.string().min(1),
  scopes: z.array(OAuthScope),
  functions: z.array(FunctionName).nullable(),
});
export type GrantProps = z.infer<typeof GrantProps>;

/** What a grant shows in lists (stored in clear by the library: nothing secret). */
export const GrantMetadata = z.object({ clientName: z.string(), functions: z.array(z.string()).nullable() });
export type GrantMetadata = z.infer<typeof GrantMetadata>;

export interface OAuthServers {
  origin: string;
  resource: string;
  authorization: OAuthAuthorizationServer<Env>;
  resourceServer: OAuthResourceServer<Env, GrantProps>;
}

// Bounded: the origins a deployment answers on are few; a flood of Host headers cannot grow it.
const MAX_ORIGINS = 16;
const servers = new Map<string, OAuthServers | null>();

function build(origin: string): OAuthServers | null {
  const resource = `${origin}${MCP_PATH}`;
  try {
    const authorization = new OAuthAuthorizationServer<Env>({
      issuer: origin,
      resources: [resource],
      defaultResource: resource,
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      clientRegistrationEndpoint: REGISTER_PATH,
      scopesSupported: [...OAuthScope.options],
      accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    });
    const resourceServer = new OAuthResourceServer<Env, GrantProps>({
      resourceMetadata: { resource, authorization_servers: [origin], bearer_methods_supported: ["header"], resource_name: "Kiln" },
      validateToken: (env) => (res, token) => authorization.validateToken(res, token, env),
      // Only its metadata document is served through it; /mcp itself is Kiln's own route.
      handler: { fetch: () => new Response(null, { status: 404 }) },
    });
    return { origin, resource, authorization, resourceServer };
  } catch (error) {
    // The library refuses an issuer that is not https (or http on loopback): no OAuth there.
    if (error instanceof TypeError) return null;
    throw error;
  }
}

/** The OAuth servers for a request's origin, or null when OAuth cannot run on it. */
export function oauthFor(requestUrl: string): OAuthServers | null {
  const origin = new URL(requestUrl).origin;
  if (!servers.has(origin)) {
    if (servers.size >= MAX_ORIGINS) servers.clear();
    servers.set(origin, build(origin));
  }
  return servers.get(origin) ?? null;
}

/** The URL of the protected resource metadata for `/mcp` on a request's origin. */
export function resourceMetadataUrl(requestUrl: string): string {
  return `${new URL(requestUrl).origin}/.well-known/oauth-protected-resource${MCP_PATH}`;
}

/**
 * The library's access tokens are `<userId>:<grantId>:<secret>` (a 16- and a 32-character random
 * part); nothing else Kiln issues has colons.
 */
export function looksLikeOAuthToken(credential: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{32}$/.test(credential);
}

export interface OAuthTokenGrant {
  props: GrantProps;
  grantId: string;
  clientId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** A valid access token's grant for this origin's /mcp resource; null for anything else. */
export async function validateOAuthToken(env: Env, requestUrl: string, token: string): Promise<OAuthTokenGrant | null> {
  const oauth = oauthFor(requestUrl);
  if (!oauth || !looksLikeOAuthToken(token)) return null;
  const valid = await oauth.authorization.validateToken(oauth.resource, token, env);
  if (!valid || valid.audience !== oauth.resource) return null;
  const props = GrantProps.safeParse(valid.props);
  // The userId is part of the token; the props are what consent stored: they must agree.
  if (!props.success || props.data.keyId !== valid.userId) return null;
  const grantId = token.split(":")[1] ?? "";
  // Both record what was approved; should they ever differ, only what both say holds.
  const scopes = props.data.scopes.filter((s) => valid.scope.includes(s));
  return { props: { ...props.data, scopes }, grantId, clientId: valid.clientId, expiresAt: valid.expiresAt };
}
