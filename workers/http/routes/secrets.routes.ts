/**
 * /v1/secrets: write-only secret values (PUT), names and metadata (GET: never a value), delete,
 * and re-sealing under the current KILN_SECRETS_KEY after a key rotation (admin).
 */
import { Hono } from "hono";
import { ConfigName, MAX_SECRETS, PutSecretRequest, type SecretView } from "../../lib/contracts/secrets";
import { countSecrets, deleteSecret, findSecret, listSecrets, putSecret, resealAll, type SecretRow } from "../../lib/infra/db/secrets.repo";
import { newId } from "../../lib/infra/ids";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { secretsKeyring } from "../secrets-keyring";
import type { AppEnv } from "../types";
import { parseWith, readBody } from "../validate";
import { iso } from "../views";

function secretView(row: SecretRow, grants: string[]): SecretView {
  return {
    name: row.name,
    grants,
    keyId: row.keyId,
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdBy,
    updatedAt: new Date(row.updatedAt).toISOString(),
    updatedBy: row.updatedBy,
    lastUsedAt: iso(row.lastUsedAt),
  };
}

export const secretsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "secrets:read");
    return c.json({ items: (await listSecrets(c.get("db"))).map(({ row, grants }) => secretView(row, grants)) });
  })
  .post("/rekey", async (c) => {
    authorize(c, "admin");
    const ring = await secretsKeyring(c.env);
    const resealed = await resealAll(c.get("db"), ring);
    await audit(c, "secrets.rekey", "*", { resealed, keyId: ring.current.id });
    return c.json({ resealed, keyId: ring.current.id });
  })
  .put("/:name", async (c) => {
    authorize(c, "secrets:write");
    const name = parseWith(ConfigName, c.req.param("name"), "/name");
    const { value } = await readBody(c, PutSecretRequest);
    if (!(await findSecret(c.get("db"), name)) && (await countSecrets(c.get("db"))) >= MAX_SECRETS) {
      throw new AppError("conflict", 409, `Kiln holds at most ${MAX_SECRETS} secrets; delete one first`);
    }
    const now = Date.now();
    const created = await putSecret(
      c.get("db"),
      await secretsKeyring(c.env),
      name,
      value,
      c.get("principal").keyId,
      now,
      newId("sec", now),
    );
    await audit(c, created ? "secret.create" : "secret.update", name);
    return c.body(null, created ? 201 : 204);
  })
  .delete("/:name", async (c) => {
    authorize(c, "secrets:write");
    const name = parseWith(ConfigName, c.req.param("name"), "/name");
    if (!(await deleteSecret(c.get("db"), name))) throw notFound(`secret "${name}"`);
    await audit(c, "secret.delete", name);
    return c.body(null, 204);
  });
