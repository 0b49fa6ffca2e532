/**
 * Database rows → the API's response shapes (see lib/contracts).
 */
import { Manifest } from "../lib/contracts/functions";
import type { ApiKeyView } from "../lib/contracts/keys";
import type { RunView } from "../lib/contracts/runs";
import { keyPrefix } from "../lib/infra/auth";
import type { ApiKeyRow } from "../lib/infra/db/keys.repo";
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
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    durationMs: r.startedAt !== null && r.endedAt !== null ? r.endedAt - r.startedAt : null,
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
  };
}

/** A page of runs: `nextCursor` is set when the page is full (there may be more). */
export function runPage(rows: RunRow[], limit: number) {
  return { items: rows.map(runView), nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
}

export const manifestOf = (text: string): Manifest => Manifest.parse(JSON.parse(text));
