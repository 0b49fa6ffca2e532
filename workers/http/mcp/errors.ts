/**
 * Errors on the MCP path. The SDK sends any thrown error's `message` to the client, so every
 * handler runs in `guarded`: an AppError keeps its public message, anything else is logged
 * with the request id and answered with a generic JSON-RPC error. Imports the SDK's error type.
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { AppError } from "../errors";
import type { AppEnv } from "../types";

/** A problem as one text for a model to read: the detail, then each field issue. */
export function problemText(e: AppError): string {
  const issues = e.extras.issues ?? [];
  return [e.publicMessage, ...issues.map((i) => `${i.path}: ${i.message}`)].join("\n");
}

export function toMcpError(e: AppError): McpError {
  const code = e.status === 401 || e.status === 403 || e.status === 429 ? ErrorCode.InvalidRequest : ErrorCode.InvalidParams;
  return new McpError(code, problemText(e), { status: e.status, code: e.code, ...(e.extras.issues ? { issues: e.extras.issues } : {}) });
}

/** Runs `work`, letting only errors meant for the client through (see the header). */
export async function guarded<T>(c: Context<AppEnv>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof McpError) throw error;
    if (error instanceof AppError) throw toMcpError(error);
    const requestId = c.get("requestId");
    console.error(JSON.stringify({ msg: "unhandled MCP error", requestId, error: (error as Error)?.stack ?? String(error) }));
    throw new McpError(ErrorCode.InternalError, `An unexpected error occurred; it has been logged with request id ${requestId}.`);
  }
}
