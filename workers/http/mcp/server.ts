/**
 * Kiln's MCP server for one HTTP request: Streamable HTTP without sessions (a fresh server and
 * transport per request, JSON responses rather than SSE), with the official SDK's low-level
 * `Server`, since tools are JSON Schemas read from D1, not zod schemas known at build time.
 * Tasks use the SDK's task handlers over a store backed by Kiln's jobs (./task-store).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../types";
import { guarded } from "./errors";
import { kilnTaskStore } from "./task-store";
import { callMcpTool, listTools } from "./tools";

const AnyToolCall = z.object({ method: z.literal("tools/call"), params: z.unknown() });

function mcpServer(c: Context<AppEnv>): Server {
  // The SDK marks `Server` deprecated in favour of McpServer, which takes zod schemas only.
  const server = new Server(
    { name: "kiln", version: "0.1.0" },
    {
      capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore: kilnTaskStore(c),
      // The default validator is ajv, which compiles schemas to code: workerd forbids that.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => guarded(c, () => listTools(c)));
  // Registered with a loose schema: the SDK's tools/call wrapper then validates the request itself
  // and answers a bad one with "Invalid params" (the strict schema here would fail first, as an
  // internal error).
  server.setRequestHandler(AnyToolCall, (request) => guarded(c, () => callMcpTool(c, CallToolRequestSchema.parse(request).params)));
  return server;
}

/** Answers one POST to /mcp; `body` is the request's JSON text, already read and bounded. */
export async function serveMcp(c: Context<AppEnv>, body: string): Promise<Response> {
  const server = mcpServer(c);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    const raw = c.req.raw;
    return await transport.handleRequest(new Request(raw.url, { method: "POST", headers: raw.headers, body }));
  } finally {
    await server.close();
  }
}
