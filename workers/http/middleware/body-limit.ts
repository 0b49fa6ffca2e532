/**
 * Request body limits for every route, in one place: a body over its route's limit is answered
 * with 413 as soon as that is known (from Content-Length, or while streaming), before it is read.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { MAX_SOURCE_BYTES } from "../../lib/contracts/functions";
import { AppError } from "../errors";
import type { AppEnv } from "../types";

/** Tool input, job input and job events. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** An MCP message: a tool input and its JSON-RPC envelope. */
export const MAX_MCP_BYTES = MAX_INPUT_BYTES + 64 * 1024;
/** A deploy: sources, plus the JSON escaping of them. */
export const MAX_DEPLOY_BYTES = 2 * MAX_SOURCE_BYTES;
/** Every other body (keys, tokens, sessions, rollbacks, replays…). */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;

function limitFor(method: string, path: string): number {
  if (method === "POST" && path === "/v1/functions") return MAX_DEPLOY_BYTES;
  if (path === "/mcp") return MAX_MCP_BYTES;
  if (path.startsWith("/v1/tools/") || path === "/v1/jobs" || /^\/v1\/jobs\/[^/]+\/events$/.test(path)) return MAX_INPUT_BYTES;
  return MAX_SMALL_BODY_BYTES;
}

export const limitBodies = createMiddleware<AppEnv>((c, next) => {
  const maxSize = limitFor(c.req.method, c.req.path);
  const onError = () => {
    throw new AppError("payload_too_large", 413, `request bodies on this route are limited to ${maxSize} bytes`);
  };
  return bodyLimit({ maxSize, onError })(c, next);
});
