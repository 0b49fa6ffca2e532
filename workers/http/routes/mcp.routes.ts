/**
 * /mcp: Kiln's MCP server (Streamable HTTP, stateless). Authentication and the body limit are
 * applied in app.ts, as for /v1. Only POST carries messages: without sessions there is no
 * server-to-client stream to GET and no session to DELETE (405, which MCP clients expect).
 */
import { Hono } from "hono";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../lib/domain/json-limits";
import { serveMcp } from "../mcp/server";
import type { AppEnv } from "../types";

const rpcError = (code: number, message: string) => ({ jsonrpc: "2.0", error: { code, message }, id: null });

export const mcpRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const body = await c.req.text();
    // JSON this deep parses, but overflows the stack of whatever walks it next (json-limits.ts).
    if (nestsDeeperThan(body)) {
      return c.json(rpcError(-32700, `Parse error: the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), 400);
    }
    // MCP dropped JSON-RPC batches in 2025-06-18. One request's batch of tool calls would run up
    // to 100 isolates at once, beyond what one Worker request may run (platform notes §1).
    if (body.trimStart().startsWith("[")) {
      return c.json(rpcError(-32600, "Invalid Request: JSON-RPC batches are not supported; send one message per request"), 400);
    }
    return serveMcp(c, body);
  })
  .on(["GET", "DELETE"], "/", (c) =>
    c.json(rpcError(-32000, "Method not allowed: this MCP server is stateless; send messages with POST"), 405, { allow: "POST" }),
  );
