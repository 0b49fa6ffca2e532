// The MCP server at /mcp, driven by the official MCP client: tools listed per credential with
// schemas the client accepts, tool calls through Kiln's tool path (trace with trigger `mcp`,
// run id in _meta), tool errors as results, and jobs as MCP tasks through to a result or cancel.
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ADMIN, api, deploy, json, waitForRun } from "../helpers/api";
import { waitForJob } from "../helpers/jobs";
import { agentToken, mcpClient } from "../helpers/mcp";

const fn = (body: string) => `import { defineFunction, NonRetriableError, z } from "kiln";\nexport default defineFunction({${body}});`;

const GREET = fn(`
  description: "Greets someone",
  input: z.object({ name: z.string().max(20) }),
  output: z.object({ message: z.string(), trigger: z.string() }),
  exposures: { tool: true, job: false },
  run: ({ name }, ctx) => ({ message: "hello " + name, trigger: ctx.run.trigger }),`);
const TAGS = fn(`
  input: z.object({ text: z.string() }),
  output: z.array(z.string()),
  exposures: { tool: true, job: false },
  run: ({ text }) => text.split(" "),`);
const BOOM = fn(`
  input: z.object({}),
  exposures: { tool: true, job: false },
  run: () => { throw new NonRetriableError("the widget exploded"); },`);
const SUM = fn(`
  description: "Adds two numbers, durably",
  input: z.object({ a: z.number(), b: z.number() }),
  output: z.object({ sum: z.number() }),
  exposures: { tool: false, job: true },
  run: async ({ a, b }, ctx) => ({ sum: await ctx.step("add", () => a + b) }),`);
const BIG = fn(`
  input: z.object({ n: z.number() }),
  output: z.object({ blob: z.string() }),
  exposures: { tool: false, job: true },
  run: async ({ n }) => ({ blob: "x".repeat(n) }),`);
const WAITER = fn(`
  input: z.object({}),
  run: async (_, ctx) => ctx.waitForEvent("approval", { type: "approval" }),`);

describe("MCP tools", () => {
  it("lists exactly what a scoped agent token may call, with task support and MCP-valid output schemas", async () => {
    await Promise.all([deploy("mcp-greet", GREET), deploy("mcp-tags", TAGS), deploy("mcp-boom", BOOM), deploy("mcp-sum", SUM)]);
    const token = await agentToken(["tools:call", "jobs:write"], ["mcp-greet", "mcp-tags", "mcp-sum"]);
    const { tools } = await (await mcpClient(token)).listTools();
    expect(tools.map((t) => [t.name, t.execution?.taskSupport])).toEqual([
      ["mcp-greet", "forbidden"],
      ["mcp-sum", "required"],
      ["mcp-tags", "forbidden"],
    ]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName["mcp-greet"]).toMatchObject({ description: "Greets someone", inputSchema: { type: "object", required: ["name"] } });
    expect(byName["mcp-tags"]?.outputSchema).toEqual({
      type: "object",
      properties: { result: { type: "array", items: { type: "string" } } },
      required: ["result"],
    });
    // Without jobs:write, a job-only function cannot be started, so it is not listed.
    const callOnly = await agentToken(["tools:call"], ["mcp-greet", "mcp-sum"]);
    expect((await (await mcpClient(callOnly)).listTools()).tools.map((t) => t.name)).toEqual(["mcp-greet"]);
    // The JSON catalog's MCP rendering wraps the same way.
    const catalog = await json(await api("/v1/tools?format=mcp"));
    expect(catalog.tools.find((t: any) => t.name === "mcp-tags").outputSchema).toEqual(byName["mcp-tags"]?.outputSchema);
  });

  it("calls a tool through Kiln's tool path: structured content, the run id in _meta, a trace with trigger mcp", async () => {
    await Promise.all([deploy("mcp-greet2", GREET), deploy("mcp-tags2", TAGS)]);
    const client = await mcpClient(await agentToken(["tools:call"], ["mcp-greet2", "mcp-tags2"]));
    await client.listTools(); // the client validates structured content against the listed schemas
    const result = await client.callTool({ name: "mcp-greet2", arguments: { name: "ada" } });
    expect(result.structuredContent).toEqual({ message: "hello ada", trigger: "mcp" });
    expect(JSON.parse((result.content as any)[0].text)).toEqual({ message: "hello ada", trigger: "mcp" });
    expect(result.isError).toBeFalsy();
    const runId = result._meta?.["kiln/runId"] as string;
    expect(runId).toMatch(/^run_/);
    expect(await waitForRun(runId)).toMatchObject({ function: "mcp-greet2", trigger: "mcp", status: "succeeded", input: { name: "ada" } });
    // A synchronous MCP call is no job.
    expect((await api(`/v1/jobs/${runId}`)).status).toBe(404);

    const tags = await client.callTool({ name: "mcp-tags2", arguments: { text: "a b" } });
    expect(tags.structuredContent).toEqual({ result: ["a", "b"] });
  });

  it("answers a failing tool with isError and the problem text, and keeps it out of the dead-letter list", async () => {
    await Promise.all([deploy("mcp-boom2", BOOM), deploy("mcp-greet3", GREET)]);
    const client = await mcpClient(ADMIN);
    const failed = await client.callTool({ name: "mcp-boom2", arguments: {} });
    expect(failed).toMatchObject({ isError: true, content: [{ type: "text", text: "the widget exploded" }] });
    const runId = failed._meta?.["kiln/runId"] as string;
    expect(await waitForRun(runId)).toMatchObject({ trigger: "mcp", status: "failed" });
    const dead = await json(await api("/v1/jobs/dead-letter"));
    expect(dead.items.map((r: any) => r.id)).not.toContain(runId);

    const invalid = await client.callTool({ name: "mcp-greet3", arguments: { name: "x".repeat(21) } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as any)[0].text).toMatch(/input does not match the schema of "mcp-greet3"\n\/name: /);

    const unknown = await client.callTool({ name: "no-such-tool", arguments: {} }).catch((e) => e);
    expect(unknown).toBeInstanceOf(McpError);
    expect(unknown.code).toBe(-32602);
  });
});

describe("MCP tasks", () => {
  it("runs a job as a task through to its result; the task id is the run id", async () => {
    await deploy("mcp-sum2", SUM);
    const client = await mcpClient(await agentToken(["tools:call", "jobs:write"], ["mcp-sum2"]));
    await client.listTools();
    const messages: any[] = [];
    for await (const m of client.experimental.tasks.callToolStream({ name: "mcp-sum2", arguments: { a: 2, b: 3 } })) messages.push(m);
    expect(messages[0]).toMatchObject({ type: "taskCreated", task: { taskId: expect.stringMatching(/^run_/), status: "working" } });
    const taskId = messages[0].task.taskId;
    expect(messages.at(-1)).toMatchObject({ type: "result", result: { structuredContent: { sum: 5 }, _meta: { "kiln/runId": taskId } } });

    const job = await waitForJob(taskId, (j) => j.status === "succeeded");
    expect(job).toMatchObject({ function: "mcp-sum2", trigger: "mcp-task", output: { sum: 5 } });
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ taskId, status: "completed", ttl: null });
    const listed = await client.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(taskId);
    // A plain call of a job-only tool is refused by the server (the client refuses it too).
    const plain = await client
      .request({ method: "tools/call", params: { name: "mcp-sum2", arguments: { a: 1, b: 1 } } }, CallToolResultSchema)
      .catch((e) => e);
    expect(plain).toMatchObject({ code: -32601, message: expect.stringContaining("runs only as a task") });
  });

  it("a task's result is its job's whole output, even over 64 KiB (kept in R2)", async () => {
    await deploy("mcp-big", BIG);
    const client = await mcpClient(await agentToken(["tools:call", "jobs:write"], ["mcp-big"]));
    const created = await client.request(
      { method: "tools/call", params: { name: "mcp-big", arguments: { n: 70_000 }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    expect((await waitForJob(taskId, (j) => j.status === "succeeded")).output).toMatchObject({ "kiln:truncated": true });
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ blob: "x".repeat(70_000) });
  });

  it("cancels a task: the job ends cancelled and the task's result says so", async () => {
    await deploy("mcp-waiter", WAITER);
    const client = await mcpClient(await agentToken(["tools:call", "jobs:write"], ["mcp-waiter"]));
    const created = await client.request(
      { method: "tools/call", params: { name: "mcp-waiter", arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    await waitForJob(taskId, (j) => j.status === "waiting");
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({
      status: "working",
      statusMessage: expect.stringContaining("approval"),
    });
    expect(await client.experimental.tasks.cancelTask(taskId)).toMatchObject({ taskId, status: "cancelled" });
    expect(await waitForJob(taskId, (j) => j.status === "cancelled")).toMatchObject({ trigger: "mcp-task" });
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringContaining("cancelled") }] });
    const again = await client.experimental.tasks.cancelTask(taskId).catch((e) => e);
    expect(again).toBeInstanceOf(McpError);
  });
});
