/**
 * What Kiln's MCP server says about functions and runs, as pure data: which tools a credential
 * sees and how (`execution.taskSupport`), the output schema MCP clients accept, tool results
 * from a run's output, and tasks from job runs. Imports only contracts and domain code.
 */
import type { Exposures } from "../contracts/functions";
import type { RunStatus } from "../contracts/runs";
import { canTouchFunction, hasScope, type Principal } from "./access";
import { restoredJson } from "./json-text";

/** The `_meta` key that carries the run id of a tool call or task. */
export const RUN_ID_META = "kiln/runId";

/** How often a client should poll a task (ms): jobs take seconds to days, not milliseconds. */
export const TASK_POLL_MS = 500;

export type TaskSupport = "forbidden" | "optional" | "required";

/** What a credential may do with one function over MCP. */
export interface ToolAccess {
  /** Call it synchronously (tool exposure, `tools:call`). */
  call: boolean;
  /** Start it as a task (job exposure, `jobs:write`). */
  task: boolean;
}

/** The same rules as the catalog (tools) and job starts (jobs), for one function. */
export function toolAccess(p: Principal, name: string, exposures: Exposures): ToolAccess {
  const touch = canTouchFunction(p, name);
  return { call: touch && exposures.tool && hasScope(p, "tools:call"), task: touch && exposures.job && hasScope(p, "jobs:write") };
}

/** null when the credential may do neither (the tool is not listed, and unknown to tools/call). */
export function taskSupportOf(access: ToolAccess): TaskSupport | null {
  if (access.call) return access.task ? "optional" : "forbidden";
  return access.task ? "required" : null;
}

/**
 * The output schema as MCP sees it. The MCP `Tool` type requires `outputSchema.type === "object"`
 * (the official client rejects the whole tools/list otherwise), so any other output is wrapped
 * as `{ result: … }`: in the advertised schema and in every result's `structuredContent` alike.
 */
export function mcpOutputSchema(output: Record<string, unknown> | null): { schema: Record<string, unknown>; wrapped: boolean } | null {
  if (output === null) return null;
  const { $schema: _, $id: __, ...schema } = output;
  if (schema.type === "object") return { schema, wrapped: false };
  return { schema: { type: "object", properties: { result: schema }, required: ["result"] }, wrapped: true };
}

export interface ToolResult {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta: Record<string, unknown>;
}

/** A successful call: the JSON text as content, and structured content when a schema is declared. */
export function successResult(outputJson: string, output: Record<string, unknown> | null, runId: string): ToolResult {
  const shape = mcpOutputSchema(output);
  const result: ToolResult = { content: [{ type: "text", text: outputJson }], _meta: { [RUN_ID_META]: runId } };
  if (!shape) return result;
  const value: unknown = JSON.parse(outputJson);
  const structured = shape.wrapped ? { result: value } : value;
  // An object schema with a non-object output is the function's bug: say so, instead of a
  // result no client can validate.
  if (typeof structured !== "object" || structured === null || Array.isArray(structured)) {
    return errorResult("the function returned a value that is not an object, but declares an object output schema", runId);
  }
  return { ...result, structuredContent: structured as Record<string, unknown> };
}

/** A tool error: the problem text, for the model to read (not a protocol error). */
export function errorResult(message: string, runId: string | null): ToolResult {
  return { content: [{ type: "text", text: message }], isError: true, _meta: runId ? { [RUN_ID_META]: runId } : {} };
}

export type McpTaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/**
 * A run's status as a task's. A job waiting for an event stays `working`: `input_required` means
 * the server asks the MCP client something through tasks/result, which a Kiln job never does
 * (its events come through POST /v1/jobs/:id/events).
 */
export function taskStatusOf(status: RunStatus): McpTaskStatus {
  switch (status) {
    case "succeeded":
      return "completed";
    case "failed":
    case "timed_out":
      return "failed";
    case "cancelled":
      return "cancelled";
    default:
      return "working";
  }
}

/** The fields of a job run a task is made of. */
export interface TaskSource {
  id: string;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  errorMessage: string | null;
  waitingFor: string | null;
}

export function taskOf(run: TaskSource) {
  const status = taskStatusOf(run.status);
  const message =
    status === "working"
      ? run.waitingFor
        ? `waiting for ${run.waitingFor}`
        : run.status
      : status === "completed"
        ? null
        : `${run.status}${run.errorMessage ? `: ${run.errorMessage}` : ""}`;
  return {
    taskId: run.id,
    status,
    ...(message ? { statusMessage: message } : {}),
    createdAt: new Date(run.createdAt).toISOString(),
    lastUpdatedAt: new Date(run.updatedAt).toISOString(),
    // Runs are kept until deleted: Kiln sets no retention on them.
    ttl: null,
    pollInterval: TASK_POLL_MS,
  };
}

/** What tasks/result returns for an ended job: the tool result its call would have had. */
export function taskResultOf(
  run: { id: string; status: RunStatus; output: string | null; errorMessage: string | null; errorStep: string | null },
  output: Record<string, unknown> | null,
): ToolResult {
  if (run.status !== "succeeded") {
    const where = run.errorStep ? `step "${run.errorStep}" failed: ` : "";
    return errorResult(
      `the job ${run.status === "timed_out" ? "timed out" : run.status}: ${where}${run.errorMessage ?? "no reason recorded"}`,
      run.id,
    );
  }
  const text = run.output ?? "null";
  if (restoredJson(text) === null && text !== "null") {
    return errorResult("the job's output is larger than the 64 KiB Kiln keeps for a job; only a preview was stored", run.id);
  }
  return successResult(text, output, run.id);
}
