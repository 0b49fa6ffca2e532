/**
 * API keys in D1: only a SHA-256 of the secret part is stored. Lookups by key id are cached per
 * isolate for a few seconds (a revocation made in another isolate takes up to that long).
 */
import { desc, eq } from "drizzle-orm";
import { Scope } from "../../contracts/keys";
import type { Db } from "./functions.repo";
import { apiKeys } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface KeyGrant {
  id: string;
  secretHash: string;
  scopes: Scope[];
  functions: string[] | null;
  revoked: boolean;
  lastUsedAt: number | null;
}

const CACHE_TTL_MS = 5_000;
const cache = new Map<string, { at: number; value: KeyGrant | null }>();

function grantOf(row: ApiKeyRow): KeyGrant {
  return {
    id: row.id,
    secretHash: row.secretHash,
    scopes: Scope.array().parse(JSON.parse(row.scopes)),
    functions: row.functions === null ? null : (JSON.parse(row.functions) as string[]),
    revoked: row.revokedAt !== null,
    lastUsedAt: row.lastUsedAt,
  };
}

export async function findKeyGrant(db: Db, id: string, now = Date.now()): Promise<KeyGrant | null> {
  const hit = cache.get(id);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
  const row = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  const value = row ? grantOf(row) : null;
  cache.set(id, { at: now, value });
  return value;
}

export async function insertKey(db: Db, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  if (!created) throw new Error("key insert returned no row");
  return created;
}

export async function listKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all();
}

export async function revokeKey(db: Db, id: string, now: number): Promise<boolean> {
  const updated = await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)).returning({ id: apiKeys.id });
  cache.delete(id);
  return updated.length > 0;
}

export async function touchKey(db: Db, id: string, now: number): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
  const hit = cache.get(id);
  if (hit?.value) hit.value.lastUsedAt = now;
}
