/**
 * tools/list and tools/call of Kiln's MCP server: the caller's functions as MCP tools, called
 * through the same steps as POST /v1/tools/:name (input validation, rate limits, the isolate, a
 * trace with trigger `mcp`), or started as a job when the client asks for a task.
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { FunctionName } from "../../lib/contracts/functions";
import { dropAbsentNulls } from "../../lib/domain/absent-nulls";
import { errorResult, RUN_ID_META, successResult, type ToolResult, taskOf, taskSupportOf, toolAccess } from "../../lib/domain/mcp";
import { renderTool } from "../../lib/domain/tool-catalog";
import { type ActiveFunction, getActiveFunction, listActiveManifests } from "../../lib/infra/db/functions.repo";
import { callTool } from "../../runtime/call-tool";
import { startCheckedJob } from "../accept-job";
import { AppError } from "../errors";
import { enforceRateLimits } from "../rate-limit";
import type { AppEnv } from "../types";
import { assertValidInput } from "../validate";
import { problemText } from "./errors";

/** Every function the credential may call or start, rendered as the catalog renders it for MCP. */
export async function listTools(c: Context<AppEnv>) {
  const principal = c.get("principal");
  const origin = new URL(c.req.url).origin;
  const tools = (await listActiveManifests(c.get("db"))).flatMap((f) => {
    const taskSupport = taskSupportOf(toolAccess(principal, f.name, f.manifest.exposures));
    if (!taskSupport) return [];
    const source = { name: f.name, description: f.manifest.description, input: f.manifest.input, output: f.manifest.output };
    return [{ ...renderTool(source, "mcp", origin), execution: { taskSupport } }];
  });
  return { tools };
}

export interface CallParams {
  name: string;
  arguments?: Record<string, unknown>;
  task?: unknown;
}

/** A plain call runs the function now; a task-augmented call starts it as a job. */
export async function callMcpTool(c: Context<AppEnv>, params: CallParams) {
  const name = FunctionName.safeParse(params.name).success ? params.name : null;
  const fn = name ? await getActiveFunction(c.get("db"), name) : null;
  const access = fn ? toolAccess(c.get("principal"), fn.name, fn.manifest.exposures) : { call: false, task: false };
  // A function this credential may not use is as unknown as one that does not exist.
  if (!fn || !taskSupportOf(access))
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${JSON.stringify(params.name.slice(0, 100))}`);
  // Strict-mode models send null for an optional field they leave out (absent-nulls.ts).
  const input = dropAbsentNulls(fn.manifest.input, params.arguments ?? {}) as Record<string, unknown>;
  if (params.task !== undefined) {
    if (!access.task) throw new McpError(ErrorCode.MethodNotFound, `tool "${fn.name}" cannot run as a task (taskSupport: forbidden)`);
    return startTask(c, fn.name, input);
  }
  if (!access.call) {
    throw new McpError(
      ErrorCode.MethodNotFound,
      `tool "${fn.name}" runs only as a task (taskSupport: required): call it with \`task\`, or start it with POST /v1/jobs`,
    );
  }
  return callNow(c, fn, input);
}

async function startTask(c: Context<AppEnv>, name: string, input: unknown) {
  const { run } = await startCheckedJob(c, name, input, "", { trigger: "mcp-task" });
  const source = { ...run, status: "queued" as const, updatedAt: run.createdAt, waitingFor: null };
  return { task: taskOf(source), _meta: { [RUN_ID_META]: run.id } };
}

async function callNow(c: Context<AppEnv>, fn: ActiveFunction, input: Record<string, unknown>): Promise<ToolResult> {
  try {
    assertValidInput(fn, input);
    await enforceRateLimits(c, fn.name, fn.manifest.rateLimit);
  } catch (error) {
    // Refused before it ran: still a tool error, which the model can read and correct.
    if (error instanceof AppError) return errorResult(problemText(error), null);
    throw error;
  }
  const { runId, outcome, save } = await callTool(c.env, c.executionCtx, c.get("db"), fn, input, {
    trigger: "mcp",
    allowedFunctions: c.get("principal").functions,
  });
  const flush = save();
  if (flush) c.executionCtx.waitUntil(flush);
  switch (outcome.status) {
    case "succeeded":
      return successResult(outcome.output, fn.manifest.output, runId);
    case "invalid_input": {
      const issues = outcome.issues.map((i) => `${i.path}: ${i.message}`);
      return errorResult([`input does not match the schema of "${fn.name}"`, ...issues].join("\n"), runId);
    }
    case "timed_out":
      return errorResult(outcome.error.message, runId);
    case "failed":
      return errorResult(
        outcome.error.step ? `step "${outcome.error.step}" failed: ${outcome.error.message}` : outcome.error.message,
        runId,
      );
  }
}
