/**
 * Authentication (bearer credential or dashboard session cookie) and scope checks. Why a
 * credential was refused is never told: missing, malformed, expired and unknown all get one 401.
 * Writes authenticated by the cookie must also pass the CSRF check (./csrf).
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Scope } from "../../lib/contracts/keys";
import { checkAccess } from "../../lib/domain/access";
import { type Authenticated, authenticateBearer, authenticateSession } from "../../lib/infra/auth";
import { touchKey } from "../../lib/infra/db/keys.repo";
import { oauthFor, resourceMetadataUrl } from "../../lib/infra/oauth";
import { AppError } from "../errors";
import type { AppEnv } from "../types";
import { assertSameOriginWrite } from "./csrf";

export const SESSION_COOKIE = "kiln_session";
const TOUCH_EVERY_MS = 60_000;

/** What credential checks need from a request: the platform keys and the database. */
export function authEnv(c: Context<AppEnv>) {
  return { adminKey: c.env.KILN_ADMIN_KEY, signingKey: c.env.KILN_SIGNING_KEY, db: c.get("db"), oauth: { env: c.env, url: c.req.url } };
}

async function authenticate(c: Context<AppEnv>): Promise<Authenticated | null> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    // The scheme is case-insensitive (RFC 9110 §11.1). Every credential Kiln issues is far shorter
    // than this bound (a JWT carries no rights, only its id: see lib/infra/auth).
    const match = /^bearer +([\x21-\x7e]{1,2048})$/i.exec(header);
    return match?.[1] ? authenticateBearer(authEnv(c), match[1]) : null;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return null;
  assertSameOriginWrite(c);
  return authenticateSession(authEnv(c), cookie);
}

/** Requires a valid credential on every route it guards. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const auth = await authenticate(c);
  if (!auth) {
    // `resource_metadata` (RFC 9728) is how a hosted MCP client finds Kiln's OAuth server.
    const challenge = oauthFor(c.req.url)
      ? `Bearer realm="kiln", resource_metadata="${resourceMetadataUrl(c.req.url)}"`
      : 'Bearer realm="kiln"';
    throw new AppError("unauthorized", 401, "a valid credential is required: send `Authorization: Bearer <key>`", {
      headers: { "www-authenticate": challenge },
    });
  }
  const { grant } = auth;
  const now = Date.now();
  if (grant && (grant.lastUsedAt === null || now - grant.lastUsedAt > TOUCH_EVERY_MS)) {
    grant.lastUsedAt = now;
    c.executionCtx.waitUntil(touchKey(c.get("db"), grant.id, now));
  }
  c.set("principal", auth.principal);
  await next();
});

/** Throws 403 unless the caller holds `scope` (and may touch function `fn`, when given). */
export function authorize(c: Context<AppEnv>, scope: Scope, fn?: string): void {
  const denied = checkAccess(c.get("principal"), scope, fn);
  if (denied?.reason === "missing_scope") throw new AppError("forbidden", 403, `this credential lacks the "${scope}" scope`);
  if (denied?.reason === "function_not_allowed") throw new AppError("forbidden", 403, `this credential may not use function "${fn}"`);
}
