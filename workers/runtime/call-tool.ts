/**
 * A tool call end to end, once auth and input validation have passed: run the active version in
 * its isolate and build the run record. Saving is left to the caller (`save`), to keep it off the
 * response path: the record is buffered and written in a batch (see run-writer.ts). A tool call's
 * ctx.invoke runs the other function here too, at once, as its own run within the caller's time.
 */
import { noteRunEnded, runFacts } from "../alerts/note-run-ended";
import type { RunTrigger } from "../lib/contracts/runs";
import type { ActiveFunction, Db } from "../lib/infra/db/functions.repo";
import { writeRunSoon } from "../lib/infra/db/run-writer";
import type { RunRecord } from "../lib/infra/db/runs.repo";
import { newId } from "../lib/infra/ids";
import { payloadColumn, putPayloads } from "../lib/infra/payloads";
import { failedBeforeRun, invokeFunction, type Outcome } from "./invoke";
import { loadFunction, storedCode } from "./loader";
import { allowLocalEgress, runConfig } from "./run-config";
import { syncInvoker, type ToolTree } from "./sync-invoke";

export interface ToolCallResult {
  runId: string;
  outcome: Outcome;
  /** Buffers the record; returns a flush for `waitUntil` when this call must schedule one. */
  save: () => Promise<void> | null;
}

export async function callTool(
  platform: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  db: Db,
  fn: ActiveFunction,
  input: unknown,
  /**
   * `trigger`: `mcp` for a call through the MCP server (one of SYNC_TRIGGERS: the run is no job);
   * the credential's functions (a root call), or the tree a ctx.invoke call belongs to.
   */
  o: { trigger?: Extract<RunTrigger, "tool" | "mcp">; allowedFunctions?: readonly string[] | null; tree?: ToolTree } = {},
): Promise<ToolCallResult> {
  const trigger = o.trigger ?? "tool";
  const createdAt = Date.now();
  const runId = newId("run", createdAt);
  const tree: ToolTree = o.tree ?? {
    parentRunId: null,
    rootRunId: runId,
    depth: 0,
    allowedFunctions: o.allowedFunctions ?? null,
    deadline: createdAt + fn.manifest.timeoutMs,
    budget: { runs: 0 },
  };
  // A called function's time counts against its caller's: it ends no later than the root call.
  const timeoutMs = Math.max(1, Math.min(fn.manifest.timeoutMs, tree.deadline - createdAt));
  const isolate = loadFunction(
    platform.LOADER,
    { id: fn.versionId, functionName: fn.name, versionNumber: fn.versionNumber, manifest: fn.manifest },
    storedCode(db, fn.versionId),
  );
  const loaded = await runConfig(platform, db, { name: fn.name, secrets: fn.manifest.secrets, env: fn.env }, (w) => ctx.waitUntil(w));
  const outcome = !loaded.ok
    ? failedBeforeRun(loaded.error)
    : await invokeFunction(isolate, input, {
        runId,
        trigger,
        attempt: 1,
        functionName: fn.name,
        versionNumber: fn.versionNumber,
        timeoutMs,
        config: loaded.config,
        egress: fn.manifest.egress,
        allowLocalEgress: allowLocalEgress(platform),
        invoker: syncInvoker(
          { platform, ctx, db, call: callTool },
          { runId, functionName: fn.name, invokes: fn.manifest.invokes, tree: { ...tree, deadline: createdAt + timeoutMs } },
        ),
      });
  const endedAt = Date.now();
  // Over 64 KiB, the row keeps a marker and R2 the whole text (written with the record, after the response).
  const storedInput = payloadColumn(runId, "input", JSON.stringify(input));
  const storedOutput = outcome.status === "succeeded" ? payloadColumn(runId, "output", outcome.output) : null;
  const objects = [storedInput.object, storedOutput?.object].filter((o) => o !== null && o !== undefined);
  const record: RunRecord = {
    id: runId,
    functionId: fn.functionId,
    functionName: fn.name,
    versionId: fn.versionId,
    versionNumber: fn.versionNumber,
    trigger,
    status: outcome.status === "invalid_input" ? "failed" : outcome.status,
    input: storedInput.column,
    output: storedOutput?.column ?? null,
    error: outcome.status === "succeeded" ? null : outcome.error,
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: tree.parentRunId,
    rootRunId: tree.rootRunId,
    depth: tree.depth,
    allowedFunctions: tree.allowedFunctions,
    createdAt,
    startedAt: createdAt,
    endedAt,
  };
  // Input the function's own schema refused is the caller's mistake (a 400), not a failure to alert on.
  if (outcome.status !== "succeeded" && outcome.status !== "invalid_input")
    ctx.waitUntil(noteRunEnded(platform, db, runFacts({ ...record, endedAt, input })));
  const save = () => {
    const flush = writeRunSoon(db, record, outcome.trace);
    return objects.length === 0 ? flush : Promise.all([putPayloads(platform.PAYLOADS, objects), flush]).then(() => {});
  };
  return { runId, outcome, save };
}
