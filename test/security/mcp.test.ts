// Hostile inputs to /mcp: no or bad credential, a token limited to one function reaching for
// another's tools and tasks, malformed JSON-RPC, wrong headers, huge and deep bodies, and
// output schemas that would break the official client's tools/list.
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ADMIN, api, deploy, expectProblem, json } from "../helpers/api";
import { job, waitForJob } from "../helpers/jobs";
import { agentToken, mcpClient } from "../helpers/mcp";

const ACCEPT = "application/json, text/event-stream";

function rpc(body: unknown, o: { key?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  return api("/mcp", {
    rawBody: typeof body === "string" ? body : JSON.stringify(body),
    key: o.key,
    headers: { "content-type": "application/json", accept: ACCEPT, ...o.headers },
  });
}

const WAITER = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: async (_, ctx) => ctx.waitForEvent("approval", { type: "approval" }) });`;

describe("MCP authentication", () => {
  it("refuses a missing or unknown credential with 401 and WWW-Authenticate", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    for (const key of [null, "kiln_nope_nope"]) {
      const res = await rpc(init, { key });
      await expectProblem(res, 401, "unauthorized");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    await expect(mcpClient("not-a-key")).rejects.toThrow();
    for (const path of ["/mcp/", "/mcp/x"]) expect((await api(path, { rawBody: JSON.stringify(init), key: null })).status).toBe(401);
  });
});

describe("MCP tenancy", () => {
  it("a token limited to function A can neither list nor call B, nor see, read or cancel B's tasks", async () => {
    await Promise.all([deploy("mcp-sec-a", WAITER), deploy("mcp-sec-b", WAITER)]);
    const admin = await mcpClient(ADMIN);
    const created = await admin.experimental.tasks.callToolStream({ name: "mcp-sec-b", arguments: {} }, undefined, { task: {} }).next();
    const bTask = (created.value as any).task.taskId as string;
    expect(bTask).toMatch(/^run_/);

    const a = await mcpClient(await agentToken(["tools:call", "jobs:write", "jobs:read"], ["mcp-sec-a"]));
    expect((await a.listTools()).tools.map((t) => t.name)).toEqual(["mcp-sec-a"]);
    const unknown = async (p: Promise<unknown>) => {
      const e = await p.catch((error) => error);
      expect(e).toBeInstanceOf(McpError);
      return e as McpError;
    };
    // B answers exactly like a tool that does not exist.
    const callB = await unknown(a.callTool({ name: "mcp-sec-b", arguments: {} }));
    const callNone = await unknown(a.callTool({ name: "mcp-sec-none", arguments: {} }));
    expect([callB.code, callB.message.replace("mcp-sec-b", "X")]).toEqual([callNone.code, callNone.message.replace("mcp-sec-none", "X")]);
    const asTask = await a.experimental.tasks.callToolStream({ name: "mcp-sec-b", arguments: {} }, undefined, { task: {} }).next();
    expect(asTask.value).toMatchObject({ type: "error", error: { code: callNone.code } });
    expect((await unknown(a.experimental.tasks.getTask(bTask))).message).toMatch(/not found/i);
    await unknown(a.experimental.tasks.getTaskResult(bTask));
    await unknown(a.experimental.tasks.cancelTask(bTask));
    expect((await a.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).not.toContain(bTask);
    await waitForJob(bTask, (j) => j.status === "waiting");
    expect((await job(bTask)).status).toBe("waiting");
    await admin.experimental.tasks.cancelTask(bTask);
  });

  it("tasks need a job scope, and only runs started as MCP tasks are tasks", async () => {
    await deploy("mcp-sec-c", WAITER);
    const callOnly = await mcpClient(await agentToken(["tools:call"], ["mcp-sec-c"]));
    expect((await callOnly.experimental.tasks.listTasks().catch((e) => e)).message).toContain("jobs:read");
    // A job started over HTTP is a run of the same function, but no MCP task.
    const started = await json(await api("/v1/jobs", { body: { function: "mcp-sec-c", input: {} } }));
    const admin = await mcpClient(ADMIN);
    expect(await admin.experimental.tasks.getTask(started.id).catch((e) => e)).toBeInstanceOf(McpError);
    expect(await admin.experimental.tasks.cancelTask(started.id).catch((e) => e)).toBeInstanceOf(McpError);
    await api(`/v1/jobs/${started.id}/cancel`, { method: "POST" });
  });
});

describe("MCP protocol errors", () => {
  it("answers malformed JSON-RPC, unknown methods and wrong headers with clear errors", async () => {
    const bad = await rpc("{nope");
    expect([bad.status, (await json(bad)).error.code]).toEqual([400, -32700]);
    const notRpc = await rpc({ hello: 1 });
    expect(notRpc.status).toBe(400);
    expect((await json(notRpc)).error).toMatchObject({ code: -32700, message: expect.stringContaining("JSON-RPC") });
    const batch = await rpc([
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
    ]);
    expect([batch.status, (await json(batch)).error.code]).toEqual([400, -32600]);
    const method = await json(await rpc({ jsonrpc: "2.0", id: 7, method: "nope/nope" }));
    expect(method).toMatchObject({ id: 7, error: { code: -32601 } });
    const args = await json(await rpc({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "x", arguments: [1, 2] } }));
    expect(args).toMatchObject({ id: 8, error: { code: -32602, message: expect.stringContaining("Invalid tools/call request") } });
    const accept = await rpc({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { headers: { accept: "application/json" } });
    expect(accept.status).toBe(406);
    const type = await rpc({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { headers: { "content-type": "text/plain" } });
    expect(type.status).toBe(415);
    const get = await api("/mcp");
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("refuses a body over the limit (413) and JSON nested too deep (400), before the SDK parses it", async () => {
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "x", arguments: { s: "x".repeat(1_200_000) } },
    });
    await expectProblem(await rpc(huge), 413, "payload_too_large");
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"a":${"[".repeat(5000)}${"]".repeat(5000)}}}}`;
    const res = await rpc(deep);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: -32700, message: expect.stringContaining("deeper than 64") });
  });

  it("a function whose output is not an object cannot break anyone's tools/list", async () => {
    const out = (schema: string, value: string) =>
      `import { defineFunction, z } from "kiln"; export default defineFunction({ input: z.object({}), output: ${schema}, run: () => ${value} });`;
    await Promise.all([
      deploy("mcp-out-array", out("z.array(z.number())", "[1, 2]")),
      deploy("mcp-out-union", out("z.union([z.string(), z.number()])", '"x"')),
      deploy("mcp-out-nullable", out("z.object({ a: z.number() }).nullable()", "null")),
    ]);
    const client = await mcpClient(await agentToken(["tools:call"], ["mcp-out-array", "mcp-out-union", "mcp-out-nullable"]));
    const { tools } = await client.listTools();
    expect(tools.map((t) => [t.name, t.outputSchema?.type, t.outputSchema?.required])).toEqual([
      ["mcp-out-array", "object", ["result"]],
      ["mcp-out-nullable", "object", ["result"]],
      ["mcp-out-union", "object", ["result"]],
    ]);
    expect((await client.callTool({ name: "mcp-out-union", arguments: {} })).structuredContent).toEqual({ result: "x" });
    expect((await client.callTool({ name: "mcp-out-nullable", arguments: {} })).structuredContent).toEqual({ result: null });
  });
});
