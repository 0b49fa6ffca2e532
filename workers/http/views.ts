/**
 * Database rows → the API's response shapes (see lib/contracts).
 */

import type { AuditEventView } from "../lib/contracts/audit";
import { type FunctionView, Manifest, type VersionView } from "../lib/contracts/functions";
import type { ApiKeyView } from "../lib/contracts/keys";
import type { ChildRun, RunView } from "../lib/contracts/runs";
import { keyPrefix } from "../lib/infra/auth";
import type { AuditRow } from "../lib/infra/db/audit.repo";
import type { FunctionRow } from "../lib/infra/db/functions.repo";
import { type ApiKeyRow, rateLimitOf } from "../lib/infra/db/keys.repo";
import type { RunRow } from "../lib/infra/db/runs.repo";

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function runView(r: RunRow): RunView {
  return {
    id: r.id,
    function: r.functionName,
    versionId: r.versionId,
    version: r.versionNumber,
    trigger: r.trigger as RunView["trigger"],
    status: r.status as RunView["status"],
    input: parseJson(r.input),
    output: parseJson(r.output),
    error:
      r.errorMessage === null
        ? null
        : { message: r.errorMessage, name: r.errorName ?? "Error", step: r.errorStep, retryable: r.errorRetryable ?? false },
    attempt: r.attempt,
    idempotencyKey: r.idempotencyKey,
    parentRunId: r.parentRunId,
    rootRunId: r.rootRunId,
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    durationMs: r.startedAt !== null && r.endedAt !== null ? r.endedAt - r.startedAt : null,
  };
}

export function childView(r: RunRow): ChildRun {
  const v = runView(r);
  return {
    id: v.id,
    function: v.function,
    trigger: v.trigger,
    status: v.status,
    error: v.error,
    createdAt: v.createdAt,
    startedAt: v.startedAt,
    endedAt: v.endedAt,
    durationMs: v.durationMs,
  };
}

export function keyView(k: ApiKeyRow): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: keyPrefix(k.id),
    scopes: JSON.parse(k.scopes),
    functions: k.functions === null ? null : JSON.parse(k.functions),
    createdAt: new Date(k.createdAt).toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
    rateLimit: rateLimitOf(k),
  };
}

export function auditView(r: AuditRow, actorName: string | undefined): AuditEventView {
  const detail = parseJson(r.detail);
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: {
      keyId: r.actorKeyId,
      kind: r.actorKind as AuditEventView["actor"]["kind"],
      ...(actorName === undefined ? {} : { name: actorName }),
    },
    action: r.action,
    target: r.target,
    detail: typeof detail === "object" && detail !== null && !Array.isArray(detail) ? (detail as Record<string, unknown>) : {},
    ip: r.ip,
  };
}

/** A page of runs: `nextCursor` is set when the page is full (there may be more). */
export function runPage(rows: RunRow[], limit: number) {
  return { items: rows.map(runView), nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
}

export const manifestOf = (text: string): Manifest => Manifest.parse(JSON.parse(text));

/** One version; `manifest` as stored (JSON text) or already parsed. */
export function versionView(
  name: string,
  v: {
    id: string;
    number: number;
    active: boolean;
    manifest: string | Manifest;
    entry: string;
    sha256: string;
    sizeBytes: number;
    createdAt: number;
    createdBy: string;
  },
): VersionView {
  return {
    id: v.id,
    function: name,
    number: v.number,
    active: v.active,
    manifest: typeof v.manifest === "string" ? manifestOf(v.manifest) : v.manifest,
    entry: v.entry,
    sha256: v.sha256,
    sizeBytes: v.sizeBytes,
    createdAt: new Date(v.createdAt).toISOString(),
    createdBy: v.createdBy,
  };
}

export function functionView(f: FunctionRow): FunctionView {
  const lastRun = f.lastRun === null ? null : (JSON.parse(f.lastRun) as { id: string; status: string; createdAt: number });
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    activeVersion: f.activeVersion,
    exposures: f.manifest ? manifestOf(f.manifest).exposures : { tool: false, job: false },
    createdAt: new Date(f.createdAt).toISOString(),
    updatedAt: new Date(f.updatedAt).toISOString(),
    lastRun: lastRun && { ...lastRun, createdAt: new Date(lastRun.createdAt).toISOString() },
  };
}
