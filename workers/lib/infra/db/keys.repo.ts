/**
 * API keys and issued tokens (agent tokens, dashboard sessions) in D1: only a SHA-256 of a key's
 * secret part is stored. Lookups by key id and by token id are cached per isolate for a few
 * seconds (a revocation made in another isolate takes up to that long to reach this one).
 */
import { and, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { RateLimit } from "../../contracts/functions";
import { Scope } from "../../contracts/keys";
import type { Db } from "./functions.repo";
import { apiKeys, issuedTokens } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface KeyGrant {
  id: string;
  secretHash: string;
  scopes: Scope[];
  functions: string[] | null;
  revoked: boolean;
  lastUsedAt: number | null;
  rateLimit: RateLimit | null;
}

const CACHE_TTL_MS = 5_000;
// Bounded so that a flood of distinct (even bogus) ids cannot grow an isolate's memory without end.
const CACHE_MAX_ENTRIES = 10_000;
const cache = new Map<string, { at: number; value: KeyGrant | null }>();

function remember<T>(map: Map<string, { at: number; value: T }>, id: string, at: number, value: T): void {
  if (map.size >= CACHE_MAX_ENTRIES) map.clear();
  map.set(id, { at, value });
}

/** The scopes and functions a stored key or token row carries. */
export function rightsOf(row: { scopes: string; functions: string | null }): { scopes: Scope[]; functions: string[] | null } {
  return {
    scopes: Scope.array().parse(JSON.parse(row.scopes)),
    functions: row.functions === null ? null : (JSON.parse(row.functions) as string[]),
  };
}

/** A stored key's rate limit; null when it has none. */
export function rateLimitOf(row: { rateLimit: string | null }): RateLimit | null {
  return row.rateLimit === null ? null : RateLimit.parse(JSON.parse(row.rateLimit));
}

function grantOf(row: ApiKeyRow): KeyGrant {
  const { id, secretHash, lastUsedAt } = row;
  return { id, secretHash, ...rightsOf(row), revoked: row.revokedAt !== null, lastUsedAt, rateLimit: rateLimitOf(row) };
}

export async function findKeyGrant(db: Db, id: string, now = Date.now()): Promise<KeyGrant | null> {
  const hit = cache.get(id);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
  const row = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  const value = row ? grantOf(row) : null;
  remember(cache, id, now, value);
  return value;
}

/** Names of the given keys, in one query (ids that are not keys, such as `admin`, are absent). */
export async function keyNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: apiKeys.id, name: apiKeys.name })
    .from(apiKeys)
    .where(inArray(apiKeys.id, [...ids]))
    .all();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** One key, uncached (for management routes, which must see the latest state). */
export async function findKey(db: Db, id: string): Promise<ApiKeyRow | null> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()) ?? null;
}

export async function insertKey(db: Db, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  if (!created) throw new Error("key insert returned no row");
  return created;
}

export async function listKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all();
}

/** Revokes a key once: revoking it again leaves the first `revokedAt` as it was. */
export async function revokeKey(db: Db, id: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  cache.delete(id);
}

export async function touchKey(db: Db, id: string, now: number): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
  const hit = cache.get(id);
  if (hit?.value) hit.value.lastUsedAt = now;
}

export type IssuedTokenRow = typeof issuedTokens.$inferSelect;

export interface IssuedGrant {
  jti: string;
  kind: "token" | "session";
  subject: string;
  scopes: Scope[];
  functions: string[] | null;
  expiresAt: number;
  revoked: boolean;
}

const tokenCache = new Map<string, { at: number; value: IssuedGrant | null }>();

export async function insertIssuedToken(db: Db, row: typeof issuedTokens.$inferInsert): Promise<void> {
  await db.insert(issuedTokens).values(row);
}

/** A token's row, cached like keys: a revocation elsewhere reaches this isolate within 5 s. */
export async function findIssuedGrant(db: Db, jti: string, now = Date.now()): Promise<IssuedGrant | null> {
  const hit = tokenCache.get(jti);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
  const row = await findIssuedToken(db, jti);
  const kind = row?.kind === "token" ? "token" : row?.kind === "session" ? "session" : null;
  const value: IssuedGrant | null =
    row && kind ? { ...rightsOf(row), jti, kind, subject: row.subject, expiresAt: row.expiresAt, revoked: row.revokedAt !== null } : null;
  remember(tokenCache, jti, now, value);
  return value;
}

/** One issued token, uncached. */
export async function findIssuedToken(db: Db, jti: string): Promise<IssuedTokenRow | null> {
  return (await db.select().from(issuedTokens).where(eq(issuedTokens.jti, jti)).get()) ?? null;
}

/**
 * Revokes one token or session and every token minted from it, at any depth (a leaked token's
 * children go with it); a second revocation keeps the first time.
 */
export async function revokeIssuedToken(db: Db, jti: string, now: number): Promise<void> {
  const family = sql`with recursive family(jti) as (select ${jti} union select t.jti from ${issuedTokens} t join family f on t.parent = f.jti) select jti from family`;
  await db
    .update(issuedTokens)
    .set({ revokedAt: now })
    .where(and(sql`${issuedTokens.jti} in (${family})`, isNull(issuedTokens.revokedAt)));
  tokenCache.clear();
}

/** Revokes every live token and session minted by `subject`; how many were revoked. */
export async function revokeIssuedTokensOf(db: Db, subject: string, now: number): Promise<number> {
  const revoked = await db
    .update(issuedTokens)
    .set({ revokedAt: now })
    .where(and(eq(issuedTokens.subject, subject), isNull(issuedTokens.revokedAt), gt(issuedTokens.expiresAt, now)))
    .returning({ jti: issuedTokens.jti });
  tokenCache.clear();
  return revoked.length;
}
