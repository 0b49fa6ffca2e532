/**
 * Idempotency-Key claims of synchronous tool calls (table tool_call_keys). A claim is one row per
 * (credential, function, key), so one caller's key never reaches another caller's result.
 */
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "./functions.repo";
import { toolCallKeys } from "./schema";

export interface ToolKeyScope {
  credential: string;
  functionName: string;
  key: string;
}

export type ToolKeyRow = typeof toolCallKeys.$inferSelect;

const where = (s: ToolKeyScope) =>
  and(eq(toolCallKeys.credential, s.credential), eq(toolCallKeys.functionName, s.functionName), eq(toolCallKeys.key, s.key));

/** Claims the key for a new run; returns null when claimed, else the row that holds it. */
export async function claimToolKey(
  db: Db,
  scope: ToolKeyScope,
  claim: { requestHash: string; runId: string; now: number },
): Promise<ToolKeyRow | null> {
  const inserted = await db
    .insert(toolCallKeys)
    .values({ ...scope, requestHash: claim.requestHash, runId: claim.runId, createdAt: claim.now, status: null, body: null })
    .onConflictDoNothing()
    .returning({ runId: toolCallKeys.runId });
  if (inserted.length > 0) return null;
  const existing = await db.select().from(toolCallKeys).where(where(scope)).get();
  // Released between the two statements: report it as still running; the caller may retry.
  return existing ?? { ...scope, requestHash: claim.requestHash, runId: "", status: null, body: null, createdAt: claim.now };
}

/** Removes a claim made before `before` (expired or abandoned), so the key can be claimed again. */
export async function releaseToolKey(db: Db, scope: ToolKeyScope, before: number): Promise<void> {
  await db.delete(toolCallKeys).where(and(where(scope), lt(toolCallKeys.createdAt, before)));
}

/** Records the first response for repeats of the key. */
export async function completeToolKey(
  db: Db,
  scope: ToolKeyScope,
  response: { status: number; body: string; runId: string },
): Promise<void> {
  await db.update(toolCallKeys).set(response).where(where(scope));
}

/** Drops a claim whose call ended without a response worth repeating (it may be tried again). */
export async function dropToolKey(db: Db, scope: ToolKeyScope): Promise<void> {
  await db.delete(toolCallKeys).where(where(scope));
}
