/**
 * Secrets (sealed values), grants and function environment variables in D1. Values leave this
 * module only unsealed for a run, never in a view.
 */
import { and, count, eq, inArray, ne, sql } from "drizzle-orm";
import { FunctionEnv } from "../../contracts/secrets";
import type { Keyring, Sealed } from "../sealing";
import { seal, unseal } from "../sealing";
import { type Db, forgetActive } from "./functions.repo";
import { functions, secretGrants, secrets } from "./schema";

export type SecretRow = typeof secrets.$inferSelect;

export async function countSecrets(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(secrets);
  return row?.n ?? 0;
}

export async function findSecret(db: Db, name: string): Promise<SecretRow | undefined> {
  return db.select().from(secrets).where(eq(secrets.name, name)).get();
}

/** Creates or replaces a secret's value; returns whether it was created. */
export async function putSecret(
  db: Db,
  ring: Keyring,
  name: string,
  value: string,
  by: string,
  now: number,
  newId: string,
): Promise<boolean> {
  const existing = await findSecret(db, name);
  const id = existing?.id ?? newId;
  const sealed = await seal(ring, { id, name }, value);
  if (existing) {
    await db
      .update(secrets)
      .set({ ...sealed, updatedAt: now, updatedBy: by })
      .where(eq(secrets.id, id));
    return false;
  }
  await db.insert(secrets).values({ id, name, ...sealed, createdAt: now, createdBy: by, updatedAt: now, updatedBy: by });
  return true;
}

/** Deletes a secret and every grant of it; returns whether it existed. */
export async function deleteSecret(db: Db, name: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(secrets).where(eq(secrets.name, name)).returning({ id: secrets.id }),
    db.delete(secretGrants).where(eq(secretGrants.secretName, name)),
  ]);
  return deleted.length > 0;
}

/** Every secret with the functions granted it, by name. */
export async function listSecrets(db: Db): Promise<{ row: SecretRow; grants: string[] }[]> {
  const [rows, grants] = await db.batch([db.select().from(secrets).orderBy(secrets.name), db.select().from(secretGrants)]);
  return rows.map((row) => ({
    row,
    grants: grants
      .filter((g) => g.secretName === row.name)
      .map((g) => g.functionName)
      .sort(),
  }));
}

export async function grantsOf(db: Db, functionName: string): Promise<string[]> {
  const rows = await db.select({ name: secretGrants.secretName }).from(secretGrants).where(eq(secretGrants.functionName, functionName));
  return rows.map((r) => r.name).sort();
}

/** Replaces the set of secrets a function may read. */
export async function setGrants(db: Db, functionName: string, names: string[], by: string, now: number): Promise<void> {
  const unique = [...new Set(names)];
  await db.batch([
    db.delete(secretGrants).where(eq(secretGrants.functionName, functionName)),
    ...unique.map((secretName) => db.insert(secretGrants).values({ secretName, functionName, createdAt: now, createdBy: by })),
  ]);
}

export interface Unsealed {
  values: Record<string, string>;
  /** Names asked for but not available, and why. */
  missing: { name: string; reason: "not granted" | "not set" }[];
}

/**
 * The values of the secrets a function asks for, for one run: only those granted to it. Throws a
 * SealingError (with a clear message, never a value) if a stored value cannot be decrypted.
 */
export async function unsealForRun(db: Db, ring: Keyring, functionName: string, wanted: readonly string[]): Promise<Unsealed> {
  if (wanted.length === 0) return { values: {}, missing: [] };
  const [granted, rows] = await db.batch([
    db
      .select({ name: secretGrants.secretName })
      .from(secretGrants)
      .where(and(eq(secretGrants.functionName, functionName), inArray(secretGrants.secretName, [...wanted]))),
    db
      .select()
      .from(secrets)
      .where(inArray(secrets.name, [...wanted])),
  ]);
  const grantedNames = new Set(granted.map((g) => g.name));
  const values: Record<string, string> = {};
  const missing: Unsealed["missing"] = [];
  for (const name of wanted) {
    const row = rows.find((r) => r.name === name);
    if (!grantedNames.has(name)) missing.push({ name, reason: "not granted" });
    else if (!row) missing.push({ name, reason: "not set" });
    else values[name] = await unseal(ring, row);
  }
  return { values, missing };
}

/** Records that secrets were used, at most once a minute per secret. */
export async function touchSecrets(db: Db, names: string[], now: number): Promise<void> {
  if (names.length === 0) return;
  await db
    .update(secrets)
    .set({ lastUsedAt: now })
    .where(and(inArray(secrets.name, names), sql`coalesce(${secrets.lastUsedAt}, 0) < ${now - 60_000}`));
}

/** Re-seals every value not sealed with the current key; returns how many. */
export async function resealAll(db: Db, ring: Keyring): Promise<number> {
  const stale = await db.select().from(secrets).where(ne(secrets.keyId, ring.current.id));
  for (const row of stale) {
    const sealed: Sealed = await seal(ring, row, await unseal(ring, row));
    // Only if unchanged meanwhile: a value written since then is already sealed with the current key.
    await db
      .update(secrets)
      .set(sealed)
      .where(and(eq(secrets.id, row.id), eq(secrets.keyId, row.keyId)));
  }
  return stale.length;
}

export async function getFunctionEnv(db: Db, functionName: string): Promise<Record<string, string> | null> {
  const row = await db.select({ env: functions.env }).from(functions).where(eq(functions.name, functionName)).get();
  return row ? FunctionEnv.parse(JSON.parse(row.env)) : null;
}

/** Replaces a function's environment variables; returns false if there is no such function. */
export async function setFunctionEnv(db: Db, functionName: string, env: Record<string, string>, now: number): Promise<boolean> {
  const updated = await db
    .update(functions)
    .set({ env: JSON.stringify(env), updatedAt: now })
    .where(eq(functions.name, functionName))
    .returning({ id: functions.id });
  forgetActive(functionName);
  return updated.length > 0;
}
