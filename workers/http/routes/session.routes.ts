/**
 * /v1/session: the dashboard signs in with an API key (or the admin key) and gets an HttpOnly,
 * SameSite=Strict cookie holding a jose-signed session JWT; the key itself is never kept. Signing
 * in and out are cookie writes, so they pass the same-origin check (login CSRF: a foreign page must
 * not plant its own session in the user's browser). Signing out revokes the session server-side.
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SessionRequest } from "../../lib/contracts/keys";
import { authenticateBearer, authenticateSession, mintToken } from "../../lib/infra/auth";
import { revokeIssuedToken } from "../../lib/infra/db/keys.repo";
import { audit } from "../audit";
import { AppError } from "../errors";
import { authEnv, requireAuth, SESSION_COOKIE } from "../middleware/auth";
import { assertSameOriginWrite } from "../middleware/csrf";
import type { AppEnv } from "../types";
import { readBody } from "../validate";

const SESSION_TTL_SECONDS = 12 * 3600;

export const sessionRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const { key } = await readBody(c, SessionRequest);
    const auth = await authenticateBearer(authEnv(c), key);
    // Only a key signs in: an agent token or an OAuth client's token never becomes a session.
    if (!auth || (auth.principal.kind !== "key" && auth.principal.kind !== "admin"))
      throw new AppError("unauthorized", 401, "that key is not valid");
    // After the key check, so a wrong key is a 401 for every client; no cookie is set before this.
    assertSameOriginWrite(c);
    const { principal } = auth;
    const { token, jti, expiresAt } = await mintToken(authEnv(c), principal, { ...principal, kind: "session" }, SESSION_TTL_SECONDS);
    await audit(c, "session.create", jti, { scopes: principal.scopes, functions: principal.functions }, principal);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      expires: expiresAt,
    });
    return c.json({ keyId: principal.keyId, scopes: principal.scopes, functions: principal.functions, expiresAt: expiresAt.toISOString() });
  })
  .get("/", requireAuth, (c) => {
    const p = c.get("principal");
    return c.json({ kind: p.kind, keyId: p.keyId, scopes: p.scopes, functions: p.functions });
  })
  .delete("/", async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) {
      assertSameOriginWrite(c);
      const session = await authenticateSession(authEnv(c), cookie);
      const id = session?.principal.tokenId;
      if (session && id) {
        await revokeIssuedToken(c.get("db"), id, Date.now());
        await audit(c, "session.revoke", id, {}, session.principal);
      }
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
