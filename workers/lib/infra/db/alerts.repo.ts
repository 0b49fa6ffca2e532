/**
 * Alert rules (with sealed signing secrets), their rate-limit windows, and their deliveries in D1.
 * A rule's secret leaves this module unsealed only to sign a delivery, or once, to its creator.
 */
import { and, desc, eq, lt, notInArray, sql } from "drizzle-orm";
import { type AlertEvent, type AlertFormat, MAX_ALERT_DELIVERIES_PER_RULE } from "../../contracts/alerts";
import type { RuleTarget } from "../../domain/alerts";
import { type Keyring, type Sealed, seal, unseal } from "../sealing";
import type { Db } from "./functions.repo";
import { alertDeliveries, alertRules } from "./schema";

export interface AlertRule {
  id: string;
  name: string;
  events: AlertEvent[];
  functionName: string | null;
  url: string;
  format: AlertFormat;
  secret: Sealed | null;
  enabled: boolean;
  linkBase: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

type RuleRow = typeof alertRules.$inferSelect;

function ruleOf(row: RuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    events: JSON.parse(row.events) as AlertEvent[],
    functionName: row.functionName,
    url: row.url,
    format: row.format as AlertFormat,
    secret: row.secret === null ? null : (JSON.parse(row.secret) as Sealed),
    enabled: row.enabled,
    linkBase: row.linkBase,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const SECRET_NAME = "signing-secret";

export const sealRuleSecret = (ring: Keyring, ruleId: string, value: string) => seal(ring, { id: ruleId, name: SECRET_NAME }, value);

export async function ruleSecret(ring: Keyring, rule: AlertRule): Promise<string | null> {
  return rule.secret ? unseal(ring, { ...rule.secret, id: rule.id, name: SECRET_NAME }) : null;
}

export async function insertRule(db: Db, r: AlertRule): Promise<void> {
  await db.insert(alertRules).values({ ...r, events: JSON.stringify(r.events), secret: r.secret ? JSON.stringify(r.secret) : null });
}

export async function updateRule(db: Db, r: AlertRule): Promise<void> {
  await db
    .update(alertRules)
    .set({
      name: r.name,
      events: JSON.stringify(r.events),
      functionName: r.functionName,
      url: r.url,
      enabled: r.enabled,
      updatedAt: r.updatedAt,
    })
    .where(eq(alertRules.id, r.id));
}

export async function getRule(db: Db, id: string): Promise<AlertRule | null> {
  const row = await db.select().from(alertRules).where(eq(alertRules.id, id)).get();
  return row ? ruleOf(row) : null;
}

/** Rules for these functions (null: all rules, those for every function included), oldest first. */
export async function listRules(db: Db, allowedFunctions: readonly string[] | null): Promise<AlertRule[]> {
  const rows = await db.select().from(alertRules).orderBy(alertRules.id).all();
  return rows
    .map(ruleOf)
    .filter((r) => allowedFunctions === null || (r.functionName !== null && allowedFunctions.includes(r.functionName)));
}

/** How many rules name this function (null: rules for every function). */
export async function countRules(db: Db, functionName: string | null): Promise<number> {
  const where = functionName === null ? sql`${alertRules.functionName} is null` : eq(alertRules.functionName, functionName);
  const row = await db.select({ n: sql<number>`count(*)` }).from(alertRules).where(where).get();
  return row?.n ?? 0;
}

/** Deletes a rule and its deliveries. */
export async function deleteRule(db: Db, id: string): Promise<void> {
  await db.batch([db.delete(alertRules).where(eq(alertRules.id, id)), db.delete(alertDeliveries).where(eq(alertDeliveries.ruleId, id))]);
}

/** What matching needs of every rule (the table is small: rules are capped per function). */
export async function ruleTargets(db: Db): Promise<RuleTarget[]> {
  const rows = await db
    .select({ id: alertRules.id, events: alertRules.events, functionName: alertRules.functionName, enabled: alertRules.enabled })
    .from(alertRules)
    .all();
  return rows.map((r) => ({ ...r, events: JSON.parse(r.events) as AlertEvent[] }));
}

/**
 * Counts `count` failures into the rule's window (a new window starts when the last one is over)
 * in one statement, so concurrent consumers never lose a count. Returns how many the window had
 * seen before them and when it started, or null if the rule is gone.
 */
export async function countIntoWindow(
  db: Db,
  ruleId: string,
  count: number,
  now: number,
  windowMs: number,
): Promise<{ before: number; startedAt: number } | null> {
  const expired = sql`${alertRules.windowStartedAt} + ${windowMs} <= ${now}`;
  const rows = await db
    .update(alertRules)
    .set({
      windowCount: sql`case when ${expired} then ${count} else ${alertRules.windowCount} + ${count} end`,
      windowStartedAt: sql`case when ${expired} then ${now} else ${alertRules.windowStartedAt} end`,
    })
    .where(eq(alertRules.id, ruleId))
    .returning({ windowCount: alertRules.windowCount, startedAt: alertRules.windowStartedAt });
  const row = rows[0];
  return row ? { before: row.windowCount - count, startedAt: row.startedAt } : null;
}

export async function addSuppressed(db: Db, ruleId: string, count: number): Promise<void> {
  await db
    .update(alertRules)
    .set({ pendingSuppressed: sql`${alertRules.pendingSuppressed} + ${count}` })
    .where(eq(alertRules.id, ruleId));
}

/**
 * Takes the failures dropped so far, compare-and-swap style: the subtraction only happens while
 * at least that many are still pending, so two summaries racing never both count the same drops
 * (the loser takes nothing), and drops counted after the read stay for the next summary.
 */
export async function takeSuppressed(db: Db, ruleId: string): Promise<number> {
  const row = await db.select({ n: alertRules.pendingSuppressed }).from(alertRules).where(eq(alertRules.id, ruleId)).get();
  const n = row?.n ?? 0;
  if (n <= 0) return 0;
  const taken = await db
    .update(alertRules)
    .set({ pendingSuppressed: sql`${alertRules.pendingSuppressed} - ${n}` })
    .where(and(eq(alertRules.id, ruleId), sql`${alertRules.pendingSuppressed} >= ${n}`))
    .returning({ id: alertRules.id });
  return taken.length > 0 ? n : 0;
}

export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;

/**
 * Stores a new delivery unless this rule already has one for the run (a run's end may be reported
 * twice); drops the rule's oldest deliveries beyond the bound, in the same batch.
 */
export async function insertDelivery(db: Db, row: AlertDeliveryRow): Promise<boolean> {
  const keep = db
    .select({ id: alertDeliveries.id })
    .from(alertDeliveries)
    .where(eq(alertDeliveries.ruleId, row.ruleId))
    .orderBy(desc(alertDeliveries.id))
    .limit(MAX_ALERT_DELIVERIES_PER_RULE);
  const [inserted] = await db.batch([
    db.insert(alertDeliveries).values(row).onConflictDoNothing().returning({ id: alertDeliveries.id }),
    db.delete(alertDeliveries).where(and(eq(alertDeliveries.ruleId, row.ruleId), notInArray(alertDeliveries.id, keep))),
  ]);
  return inserted.length > 0;
}

export async function hasDelivery(db: Db, ruleId: string, runId: string): Promise<boolean> {
  const row = await db
    .select({ id: alertDeliveries.id })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.ruleId, ruleId), eq(alertDeliveries.runId, runId)))
    .get();
  return row !== undefined;
}

export async function getAlertDelivery(db: Db, id: string): Promise<AlertDeliveryRow | null> {
  return (await db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id)).get()) ?? null;
}

export async function saveAttempt(db: Db, id: string, patch: Partial<AlertDeliveryRow>): Promise<void> {
  await db.update(alertDeliveries).set(patch).where(eq(alertDeliveries.id, id));
}

/** Newest first; `cursor` is the id of the last delivery of the previous page. */
export async function listAlertDeliveries(db: Db, ruleId: string, q: { cursor?: string; limit: number }): Promise<AlertDeliveryRow[]> {
  return db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.ruleId, ruleId), q.cursor ? lt(alertDeliveries.id, q.cursor) : undefined))
    .orderBy(desc(alertDeliveries.id))
    .limit(q.limit)
    .all();
}
