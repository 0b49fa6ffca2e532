/**
 * /v1/session: the dashboard signs in with an API key (or the admin key) and gets an HttpOnly,
 * SameSite=Strict cookie holding a jose-signed session JWT; the key itself is never kept.
 */
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { SessionRequest } from "../../lib/contracts/keys";
import { authenticateBearer, signToken } from "../../lib/infra/auth";
import { AppError } from "../errors";
import { authEnv, requireAuth, SESSION_COOKIE } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readBody } from "../validate";

const SESSION_TTL_SECONDS = 12 * 3600;

export const sessionRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const { key } = await readBody(c, SessionRequest);
    const auth = await authenticateBearer(authEnv(c), key);
    if (!auth || auth.principal.kind === "token") throw new AppError("unauthorized", 401, "that key is not valid");
    const { principal } = auth;
    const { token, expiresAt } = await signToken(c.env.KILN_SIGNING_KEY, { ...principal, kind: "session" }, SESSION_TTL_SECONDS);
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
  .delete("/", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
