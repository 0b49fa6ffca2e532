/**
 * The audit log in D1: append and list, nothing else (no update or delete exists, by design).
 */
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "./functions.repo";
import { auditEvents } from "./schema";

export type AuditRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;

export async function appendAudit(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  since?: number;
  cursor?: string;
  limit: number;
}

/** Newest first; `cursor` is the id of the last event of the previous page. */
export async function listAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const where: (SQL | undefined)[] = [];
  if (f.actor) where.push(eq(auditEvents.actorKeyId, f.actor));
  if (f.action) where.push(eq(auditEvents.action, f.action));
  if (f.since !== undefined) where.push(gte(auditEvents.at, f.since));
  if (f.cursor) where.push(lt(auditEvents.id, f.cursor));
  return db
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(f.limit)
    .all();
}
