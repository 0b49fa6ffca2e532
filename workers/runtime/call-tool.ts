/**
 * A tool call end to end, once auth and input validation have passed: run the active version in
 * its isolate and build the run record. Saving is left to the caller (`save`), to keep it off the
 * response path: the record is buffered and written in a batch (see run-writer.ts).
 */
import type { RunTrigger } from "../lib/contracts/runs";
import type { ActiveFunction, Db } from "../lib/infra/db/functions.repo";
import { writeRunSoon } from "../lib/infra/db/run-writer";
import type { RunRecord } from "../lib/infra/db/runs.repo";
import { newId } from "../lib/infra/ids";
import { invokeFunction, type Outcome } from "./invoke";
import { loadFunction, storedCode } from "./loader";

/** Stored input and output are capped; the run keeps a marker instead of a huge document. */
const MAX_STORED_JSON = 64 * 1024;

const TRUNCATED = "kiln:truncated";

export function storedJson(text: string): string {
  return text.length <= MAX_STORED_JSON
    ? text
    : JSON.stringify({ [TRUNCATED]: true, characters: text.length, preview: text.slice(0, 1024) });
}

/** The stored document, or null when only a truncation marker was kept. */
export function restoredJson(text: string | null): unknown {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null && TRUNCATED in value ? null : value;
}

export interface ToolCallResult {
  runId: string;
  outcome: Outcome;
  /** Buffers the record; returns a flush for `waitUntil` when this call must schedule one. */
  save: () => Promise<void> | null;
}

export async function callTool(
  db: Db,
  loader: WorkerLoader,
  fn: ActiveFunction,
  input: unknown,
  trigger: RunTrigger = "tool",
): Promise<ToolCallResult> {
  const createdAt = Date.now();
  const runId = newId("run", createdAt);
  const isolate = loadFunction(
    loader,
    { id: fn.versionId, functionName: fn.name, versionNumber: fn.versionNumber, manifest: fn.manifest },
    storedCode(db, fn.versionId),
  );
  const outcome = await invokeFunction(isolate, input, {
    runId,
    trigger,
    attempt: 1,
    functionName: fn.name,
    versionNumber: fn.versionNumber,
    timeoutMs: fn.manifest.timeoutMs,
    secrets: {},
  });
  const endedAt = Date.now();
  const record: RunRecord = {
    id: runId,
    functionId: fn.functionId,
    functionName: fn.name,
    versionId: fn.versionId,
    versionNumber: fn.versionNumber,
    trigger,
    status: outcome.status === "invalid_input" ? "failed" : outcome.status,
    input: storedJson(JSON.stringify(input)),
    output: outcome.status === "succeeded" ? storedJson(outcome.output) : null,
    error:
      outcome.status === "succeeded"
        ? null
        : outcome.status === "invalid_input"
          ? { message: "input does not match the function's schema", name: "ValidationError", step: null, retryable: false }
          : outcome.error,
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: null,
    createdAt,
    startedAt: createdAt,
    endedAt,
  };
  return { runId, outcome, save: () => writeRunSoon(db, record, outcome.trace) };
}
