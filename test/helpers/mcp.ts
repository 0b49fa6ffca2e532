// The official MCP client (SDK Client + Streamable HTTP transport) connected to Kiln's /mcp in
// process: the transport's `fetch` goes to the Worker's fetch handler. Its JSON Schema
// validator is @cfworker/json-schema: the default (ajv) compiles code, which workerd forbids.

import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { expect } from "vitest";
import { api, json } from "./api";

export const MCP_URL = "http://kiln.test/mcp";

export function mcpFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(url, init));
}

export async function mcpClient(key: string): Promise<Client> {
  const client = new Client({ name: "kiln-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: mcpFetch,
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** Mints an agent token (with the admin key) limited to these scopes and functions. */
export async function agentToken(scopes: string[], functions: string[]): Promise<string> {
  const res = await api("/v1/tokens", { body: { scopes, functions, ttlSeconds: 600 } });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.token;
}
