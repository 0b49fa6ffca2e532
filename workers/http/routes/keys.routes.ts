/**
 * /v1/keys (API keys: shown once, stored hashed) and /v1/tokens (short-lived agent JWTs).
 */
import { Hono } from "hono";
import { CreateKeyRequest, MintTokenRequest } from "../../lib/contracts/keys";
import { narrowGrant } from "../../lib/domain/access";
import { newKeySecret, signToken } from "../../lib/infra/auth";
import { insertKey, listKeys, revokeKey } from "../../lib/infra/db/keys.repo";
import { newId } from "../../lib/infra/ids";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readBody } from "../validate";
import { keyView } from "../views";

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
    });
    return c.json({ ...keyView(row), key: secret.key }, 201);
  })
  .get("/", async (c) => {
    authorize(c, "keys:manage");
    return c.json({ items: (await listKeys(c.get("db"))).map(keyView) });
  })
  .delete("/:id", async (c) => {
    authorize(c, "keys:manage");
    if (!(await revokeKey(c.get("db"), c.req.param("id"), Date.now()))) throw notFound(`key "${c.req.param("id")}"`);
    return c.body(null, 204);
  });

export const tokensRoutes = new Hono<AppEnv>().post("/", async (c) => {
  const req = await readBody(c, MintTokenRequest);
  const principal = c.get("principal");
  const grant = narrowGrant(principal, req.scopes, req.functions ?? principal.functions);
  if (!grant.ok) throw new AppError("forbidden", 403, grant.detail);
  const { token, expiresAt } = await signToken(c.env.KILN_SIGNING_KEY, { kind: "token", keyId: principal.keyId, ...grant }, req.ttlSeconds);
  return c.json({ token, expiresAt: expiresAt.toISOString(), scopes: grant.scopes, functions: grant.functions }, 201);
});
