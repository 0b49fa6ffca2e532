/**
 * Functions and versions in D1. Hot-path reads (the active version's metadata) never load code;
 * they are cached per isolate for a few seconds, and dropped at once by deploys in this isolate.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Manifest } from "../../contracts/functions";
import { FunctionEnv } from "../../contracts/secrets";
import { TtlCache } from "../ttl-cache";
import { functions, functionVersions } from "./schema";

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1);
}

/** The active version of a function, as the tool-call path needs it. */
export interface ActiveFunction {
  functionId: string;
  name: string;
  versionId: string;
  versionNumber: number;
  manifest: Manifest;
  /** The function's environment variables (not secret), as set through the API. */
  env: FunctionEnv;
}

/** Unknown names are cached too (as null), so the bound matters: callers choose the names. */
const activeCache = new TtlCache<ActiveFunction | null>(5_000, 2_000);

/** Drops the cached active version of a function (after a deploy, rollback or configuration change). */
export function forgetActive(name: string): void {
  activeCache.delete(name);
}

export async function getActiveFunction(db: Db, name: string, now = Date.now()): Promise<ActiveFunction | null> {
  const hit = activeCache.get(name, now);
  if (hit) return hit.value;
  const row = await db
    .select({
      functionId: functions.id,
      name: functions.name,
      versionId: functionVersions.id,
      versionNumber: functionVersions.number,
      manifest: functionVersions.manifest,
      env: functions.env,
    })
    .from(functions)
    .innerJoin(functionVersions, eq(functionVersions.id, functions.activeVersionId))
    .where(eq(functions.name, name))
    .get();
  const value = row ? { ...row, manifest: Manifest.parse(JSON.parse(row.manifest)), env: FunctionEnv.parse(JSON.parse(row.env)) } : null;
  activeCache.set(name, value, now);
  return value;
}

/** The compiled modules of one version, read only when its isolate is not warm. */
export async function getModules(db: Db, versionId: string): Promise<{ entry: string; modules: Record<string, string> }> {
  const row = await db
    .select({ entry: functionVersions.entry, modules: functionVersions.modules })
    .from(functionVersions)
    .where(eq(functionVersions.id, versionId))
    .get();
  if (!row) throw new Error(`version ${versionId} has no stored code`);
  return { entry: row.entry, modules: JSON.parse(row.modules) as Record<string, string> };
}

export interface NewVersion {
  id: string;
  entry: string;
  source: Record<string, string>;
  modules: Record<string, string>;
  manifest: Manifest;
  sha256: string;
  sizeBytes: number;
  createdBy: string;
}

/** The active version's number, content hash and manifest (to tell an identical redeploy from a change). */
export async function getActiveVersion(db: Db, name: string): Promise<{ number: number; sha256: string; manifest: Manifest } | null> {
  const row = await db
    .select({ number: functionVersions.number, sha256: functionVersions.sha256, manifest: functionVersions.manifest })
    .from(functions)
    .innerJoin(functionVersions, eq(functionVersions.id, functions.activeVersionId))
    .where(eq(functions.name, name))
    .get();
  return row ? { number: row.number, sha256: row.sha256, manifest: Manifest.parse(JSON.parse(row.manifest)) } : null;
}

/** Stores an immutable version with the next number and activates it, atomically. */
export async function createVersion(db: Db, name: string, functionId: string, v: NewVersion, now: number): Promise<number> {
  await db
    .insert(functions)
    .values({ id: functionId, name, description: v.manifest.description, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: functions.name });
  const fn = await db.select({ id: functions.id }).from(functions).where(eq(functions.name, name)).get();
  if (!fn) throw new Error("function row vanished during deploy");
  const nextNumber = sql<number>`(select coalesce(max(${functionVersions.number}), 0) + 1 from ${functionVersions} where ${functionVersions.functionId} = ${fn.id})`;
  const [inserted] = await db.batch([
    db
      .insert(functionVersions)
      .values({
        id: v.id,
        functionId: fn.id,
        number: nextNumber,
        entry: v.entry,
        source: JSON.stringify(v.source),
        modules: JSON.stringify(v.modules),
        manifest: JSON.stringify(v.manifest),
        sha256: v.sha256,
        sizeBytes: v.sizeBytes,
        createdAt: now,
        createdBy: v.createdBy,
      })
      .returning({ number: functionVersions.number }),
    db.update(functions).set({ activeVersionId: v.id, description: v.manifest.description, updatedAt: now }).where(eq(functions.id, fn.id)),
  ]);
  forgetActive(name);
  const number = inserted[0]?.number;
  if (number === undefined) throw new Error("version insert returned no row");
  return number;
}

export async function activateVersion(db: Db, name: string, number: number, now: number): Promise<boolean> {
  const fn = await db.select({ id: functions.id }).from(functions).where(eq(functions.name, name)).get();
  if (!fn) return false;
  const version = await db
    .select({ id: functionVersions.id, manifest: functionVersions.manifest })
    .from(functionVersions)
    .where(and(eq(functionVersions.functionId, fn.id), eq(functionVersions.number, number)))
    .get();
  if (!version) return false;
  const description = Manifest.parse(JSON.parse(version.manifest)).description;
  await db.update(functions).set({ activeVersionId: version.id, description, updatedAt: now }).where(eq(functions.id, fn.id));
  forgetActive(name);
  return true;
}

/** Whether a function of this name exists (uncached: deleting must not act on a stale answer). */
export async function functionExists(db: Db, name: string): Promise<boolean> {
  return (await db.select({ id: functions.id }).from(functions).where(eq(functions.name, name)).get()) !== undefined;
}

export async function deleteFunction(db: Db, name: string): Promise<boolean> {
  const fn = await db.select({ id: functions.id }).from(functions).where(eq(functions.name, name)).get();
  if (!fn) return false;
  await db.batch([
    db.delete(functionVersions).where(eq(functionVersions.functionId, fn.id)),
    db.delete(functions).where(eq(functions.id, fn.id)),
  ]);
  forgetActive(name);
  return true;
}

export type FunctionRow = Awaited<ReturnType<typeof listFunctions>>[number];

/** Every function (or the one named), with its active version number and its latest run. */
export async function listFunctions(db: Db, name?: string) {
  return db
    .select({
      id: functions.id,
      name: functions.name,
      description: functions.description,
      activeVersion: functionVersions.number,
      manifest: functionVersions.manifest,
      createdAt: functions.createdAt,
      updatedAt: functions.updatedAt,
      lastRun: sql<
        string | null
      >`(select json_object('id', r.id, 'status', r.status, 'createdAt', r.created_at) from runs r where r.function_id = ${functions.id} order by r.created_at desc limit 1)`,
    })
    .from(functions)
    .leftJoin(functionVersions, eq(functionVersions.id, functions.activeVersionId))
    .where(name === undefined ? undefined : eq(functions.name, name))
    .orderBy(functions.name)
    .all();
}

export async function listVersions(db: Db, name: string) {
  return db
    .select({
      id: functionVersions.id,
      number: functionVersions.number,
      entry: functionVersions.entry,
      manifest: functionVersions.manifest,
      sha256: functionVersions.sha256,
      sizeBytes: functionVersions.sizeBytes,
      createdAt: functionVersions.createdAt,
      createdBy: functionVersions.createdBy,
      activeVersionId: functions.activeVersionId,
    })
    .from(functionVersions)
    .innerJoin(functions, eq(functions.id, functionVersions.functionId))
    .where(eq(functions.name, name))
    .orderBy(desc(functionVersions.number))
    .all();
}

export async function getVersionSource(db: Db, name: string, number: number) {
  return db
    .select({ source: functionVersions.source, entry: functionVersions.entry })
    .from(functionVersions)
    .innerJoin(functions, eq(functions.id, functionVersions.functionId))
    .where(and(eq(functions.name, name), eq(functionVersions.number, number)))
    .get();
}

/** The manifest of one version (a job runs the version it was started with). */
export async function getVersionManifest(db: Db, versionId: string): Promise<Manifest | null> {
  const row = await db
    .select({ manifest: functionVersions.manifest })
    .from(functionVersions)
    .where(eq(functionVersions.id, versionId))
    .get();
  return row ? Manifest.parse(JSON.parse(row.manifest)) : null;
}

/** The tool catalog's source: every function with its active manifest, by name. */
export async function listActiveManifests(db: Db): Promise<{ name: string; manifest: Manifest }[]> {
  const rows = await db
    .select({ name: functions.name, manifest: functionVersions.manifest })
    .from(functions)
    .innerJoin(functionVersions, eq(functionVersions.id, functions.activeVersionId))
    .orderBy(functions.name)
    .all();
  return rows.map((r) => ({ name: r.name, manifest: Manifest.parse(JSON.parse(r.manifest)) }));
}
