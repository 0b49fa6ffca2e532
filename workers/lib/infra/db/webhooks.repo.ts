/**
 * Webhook endpoints (with sealed signing secrets) and deliveries in D1. Secrets leave this module
 * unsealed only for verifying a delivery or once, to the caller that created them.
 */
import { and, desc, eq, inArray, lt, notInArray, type SQL, sql } from "drizzle-orm";
import { HmacScheme, type WebhookProvider } from "../../contracts/webhooks";
import { type Keyring, type Sealed, seal, unseal } from "../sealing";
import type { Db } from "./functions.repo";
import { runs, webhookDeliveries, webhookEndpoints } from "./schema";

/** Rejected deliveries kept per endpoint: a flood of bad requests cannot grow the table. */
export const MAX_REJECTED_PER_ENDPOINT = 100;

export interface StoredSecret extends Sealed {
  id: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface Endpoint {
  id: string;
  name: string;
  provider: WebhookProvider;
  functionName: string;
  events: string[] | null;
  toleranceSeconds: number;
  hmac: HmacScheme | null;
  enabled: boolean;
  secrets: StoredSecret[];
  createdAt: number;
  updatedAt: number;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

function endpointOf(row: EndpointRow): Endpoint {
  return {
    ...row,
    provider: row.provider as WebhookProvider,
    events: row.events === null ? null : (JSON.parse(row.events) as string[]),
    hmac: row.hmac === null ? null : HmacScheme.parse(JSON.parse(row.hmac)),
    secrets: JSON.parse(row.secrets) as StoredSecret[],
  };
}

function rowOf(e: Endpoint): EndpointRow {
  return {
    ...e,
    events: e.events === null ? null : JSON.stringify(e.events),
    hmac: e.hmac === null ? null : JSON.stringify(e.hmac),
    secrets: JSON.stringify(e.secrets),
  };
}

export async function sealSecret(
  ring: Keyring,
  endpointId: string,
  secretId: string,
  value: string,
  now: number,
  expiresAt: number | null,
) {
  const sealed = await seal(ring, { id: endpointId, name: secretId }, value);
  return { id: secretId, ...sealed, createdAt: now, expiresAt } satisfies StoredSecret;
}

/** The values of the secrets still valid at `now`. */
export async function activeSecrets(ring: Keyring, e: Endpoint, now: number): Promise<string[]> {
  const live = e.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now);
  return Promise.all(live.map((s) => unseal(ring, { ...s, id: e.id, name: s.id })));
}

/** The most recently added secret (the one a rotation returned), for signing a test event. */
export async function newestSecret(ring: Keyring, e: Endpoint): Promise<string | null> {
  const s = e.secrets.at(-1);
  return s ? unseal(ring, { ...s, id: e.id, name: s.id }) : null;
}

export async function insertEndpoint(db: Db, e: Endpoint): Promise<void> {
  await db.insert(webhookEndpoints).values(rowOf(e));
}

export async function saveEndpoint(db: Db, e: Endpoint): Promise<void> {
  await db.update(webhookEndpoints).set(rowOf(e)).where(eq(webhookEndpoints.id, e.id));
}

export async function getEndpoint(db: Db, id: string): Promise<Endpoint | null> {
  const row = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
  return row ? endpointOf(row) : null;
}

export async function listEndpoints(db: Db, allowedFunctions: readonly string[] | null): Promise<Endpoint[]> {
  const where = allowedFunctions ? inArray(webhookEndpoints.functionName, [...allowedFunctions]) : undefined;
  const rows = await db.select().from(webhookEndpoints).where(where).orderBy(webhookEndpoints.id).all();
  return rows.map(endpointOf);
}

/** Deletes an endpoint and its deliveries (their runs stay). */
export async function deleteEndpoint(db: Db, id: string): Promise<void> {
  await db.batch([
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id)),
  ]);
}

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryWithRun = DeliveryRow & { runStatus: string | null };

/** Records a rejected delivery and drops the oldest rejected ones beyond the bound, in one batch. */
export async function insertRejected(db: Db, row: DeliveryRow): Promise<void> {
  const keep = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, row.endpointId), eq(webhookDeliveries.status, "rejected")))
    .orderBy(desc(webhookDeliveries.id))
    .limit(MAX_REJECTED_PER_ENDPOINT);
  await db.batch([
    db.insert(webhookDeliveries).values(row),
    db
      .delete(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.endpointId, row.endpointId),
          eq(webhookDeliveries.status, "rejected"),
          notInArray(webhookDeliveries.id, keep),
        ),
      ),
  ]);
}

/** Inserts a verified delivery unless its event id was seen on this endpoint; returns the stored row. */
export async function insertVerified(db: Db, row: DeliveryRow): Promise<{ row: DeliveryRow; created: boolean }> {
  const inserted = await db.insert(webhookDeliveries).values(row).onConflictDoNothing().returning();
  if (inserted[0]) return { row: inserted[0], created: true };
  const existing = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, row.endpointId), eq(webhookDeliveries.eventId, row.eventId ?? "")))
    .get();
  if (!existing) throw new Error(`delivery of event ${row.eventId} neither inserted nor found`);
  return { row: existing, created: false };
}

export async function setDeliveryRun(db: Db, id: string, runId: string | null, reason: string | null): Promise<void> {
  await db.update(webhookDeliveries).set({ runId, reason }).where(eq(webhookDeliveries.id, id));
}

/** A replay: the delivery follows its new run (a filtered one becomes accepted: it now has work). */
export async function markReplayed(db: Db, id: string, runId: string): Promise<void> {
  await db.update(webhookDeliveries).set({ runId, reason: null, status: "accepted" }).where(eq(webhookDeliveries.id, id));
}

export async function deleteDelivery(db: Db, id: string): Promise<void> {
  await db.delete(webhookDeliveries).where(eq(webhookDeliveries.id, id));
}

const withRun = (db: Db) =>
  db.select({ d: webhookDeliveries, runStatus: runs.status }).from(webhookDeliveries).leftJoin(runs, eq(runs.id, webhookDeliveries.runId));

export async function getDelivery(db: Db, id: string): Promise<DeliveryWithRun | null> {
  const row = await withRun(db).where(eq(webhookDeliveries.id, id)).get();
  return row ? { ...row.d, runStatus: row.runStatus } : null;
}

/** Newest first. `status` filters on the stored status (processed/failed are narrowed by the caller). */
export async function listDeliveries(
  db: Db,
  endpointId: string,
  q: { storedStatus?: string; runStatuses?: string[]; cursor?: string; limit: number },
): Promise<DeliveryWithRun[]> {
  const where: (SQL | undefined)[] = [eq(webhookDeliveries.endpointId, endpointId)];
  if (q.storedStatus) where.push(eq(webhookDeliveries.status, q.storedStatus));
  if (q.runStatuses) where.push(inArray(runs.status, q.runStatuses));
  if (q.cursor) where.push(lt(webhookDeliveries.id, q.cursor));
  const rows = await withRun(db)
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.id))
    .limit(q.limit)
    .all();
  return rows.map((r) => ({ ...r.d, runStatus: r.runStatus }));
}

export const countDeliveries = (db: Db, endpointId: string, status: string) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, status)))
    .get();
