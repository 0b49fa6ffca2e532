/**
 * /v1/keys (API keys: shown once, stored hashed) and /v1/tokens (short-lived agent JWTs).
 *
 * A non-admin `keys:manage` credential sees and revokes only keys and tokens whose rights lie
 * within its own (what it could have created itself); anything else answers 404 as if absent.
 */
import { Hono } from "hono";
import { CreateKeyRequest, MintTokenRequest, RevokeTokensQuery } from "../../lib/contracts/keys";
import { hasScope, narrowGrant, type Principal, withinRights } from "../../lib/domain/access";
import { mintToken, newKeySecret } from "../../lib/infra/auth";
import {
  type ApiKeyRow,
  findIssuedToken,
  findKey,
  type IssuedTokenRow,
  insertKey,
  listKeys,
  revokeIssuedToken,
  revokeIssuedTokensOf,
  revokeKey,
  rightsOf,
} from "../../lib/infra/db/keys.repo";
import { newId } from "../../lib/infra/ids";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authEnv, authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { parseWith, readBody } from "../validate";
import { keyView } from "../views";

function canManage(manager: Principal, row: ApiKeyRow | IssuedTokenRow): boolean {
  const { scopes, functions } = rightsOf(row);
  return hasScope(manager, "keys:manage") && withinRights(manager, scopes, functions);
}

/** A token may be revoked by its holder, by the key it was minted from, or by a manager of it. */
function canRevokeToken(p: Principal, row: IssuedTokenRow): boolean {
  if (p.tokenId === row.jti) return true;
  if ((p.kind === "key" || p.kind === "admin") && p.keyId === row.subject) return true;
  return canManage(p, row);
}

export const keysRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    authorize(c, "keys:manage");
    const req = await readBody(c, CreateKeyRequest);
    const grant = narrowGrant(c.get("principal"), req.scopes, req.functions ?? null);
    if (!grant.ok) throw new AppError("forbidden", 403, grant.detail);
    const now = Date.now();
    const secret = await newKeySecret(newId("key", now));
    const row = await insertKey(c.get("db"), {
      id: secret.id,
      name: req.name,
      secretHash: secret.secretHash,
      scopes: JSON.stringify(grant.scopes),
      functions: grant.functions === null ? null : JSON.stringify(grant.functions),
      createdAt: now,
      createdBy: c.get("principal").keyId,
      rateLimit: req.rateLimit ? JSON.stringify(req.rateLimit) : null,
    });
    await audit(c, "key.create", row.id, {
      name: row.name,
      scopes: grant.scopes,
      functions: grant.functions,
      rateLimit: req.rateLimit ?? null,
    });
    return c.json({ ...keyView(row), key: secret.key }, 201);
  })
  .get("/", async (c) => {
    authorize(c, "keys:manage");
    const rows = (await listKeys(c.get("db"))).filter((row) => canManage(c.get("principal"), row));
    return c.json({ items: rows.map(keyView) });
  })
  .delete("/:id", async (c) => {
    authorize(c, "keys:manage");
    const row = await findKey(c.get("db"), c.req.param("id"));
    if (!row || !canManage(c.get("principal"), row)) throw notFound(`key "${c.req.param("id")}"`);
    // Idempotent: revoking a revoked key answers 204 again and keeps its first `revokedAt`.
    await revokeKey(c.get("db"), row.id, Date.now());
    if (row.revokedAt === null) await audit(c, "key.revoke", row.id, { name: row.name });
    return c.body(null, 204);
  });

export const tokensRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const req = await readBody(c, MintTokenRequest);
    const principal = c.get("principal");
    // An OAuth client's token is revoked in OAUTH_KV, which tokens minted here know nothing of:
    // minting would let a client keep access after its grant is revoked.
    if (principal.kind === "oauth") throw new AppError("forbidden", 403, "an OAuth client's token cannot mint agent tokens");
    const grant = narrowGrant(principal, req.scopes, req.functions ?? principal.functions);
    if (!grant.ok) throw new AppError("forbidden", 403, grant.detail);
    const minted = await mintToken(authEnv(c), principal, { kind: "token", ...grant }, req.ttlSeconds);
    const { token, jti, expiresAt } = minted;
    await audit(c, "token.mint", jti, { scopes: grant.scopes, functions: grant.functions, ttlSeconds: req.ttlSeconds });
    return c.json({ token, id: jti, expiresAt: expiresAt.toISOString(), scopes: grant.scopes, functions: grant.functions }, 201);
  })
  .delete("/", async (c) => {
    // The admin key has no key row to revoke (it is rotated by redeploying the secret): this ends
    // every token and session minted with it so far.
    parseWith(RevokeTokensQuery, c.req.query());
    if (!hasScope(c.get("principal"), "admin")) throw new AppError("forbidden", 403, 'this credential lacks the "admin" scope');
    const revoked = await revokeIssuedTokensOf(c.get("db"), "admin", Date.now());
    await audit(c, "tokens.revoke_all", "admin", { subject: "admin", revoked });
    return c.json({ revoked });
  })
  .delete("/:id", async (c) => {
    const row = await findIssuedToken(c.get("db"), c.req.param("id"));
    if (!row || !canRevokeToken(c.get("principal"), row)) throw notFound(`token "${c.req.param("id")}"`);
    await revokeIssuedToken(c.get("db"), row.jti, Date.now());
    await audit(c, "token.revoke", row.jti, { kind: row.kind, subject: row.subject });
    return c.body(null, 204);
  });
