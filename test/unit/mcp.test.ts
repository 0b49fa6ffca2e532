// Pure MCP rules: which tools a credential sees and how, output schemas MCP clients accept,
// results from outputs, tasks from runs.
import { describe, expect, it } from "vitest";
import type { Principal } from "../../workers/lib/domain/access";
import { mcpOutputSchema, successResult, taskOf, taskResultOf, taskSupportOf, toolAccess } from "../../workers/lib/domain/mcp";

const principal = (scopes: Principal["scopes"], functions: string[] | null = null): Principal => ({
  kind: "token",
  keyId: "key_x",
  scopes,
  functions,
});
const both = { tool: true, job: true };

describe("MCP tool access", () => {
  it("derives task support from the exposures and the credential's scopes and functions", () => {
    const support = (p: Principal, exposures = both, name = "f") => taskSupportOf(toolAccess(p, name, exposures));
    expect(support(principal(["tools:call", "jobs:write"]))).toBe("optional");
    expect(support(principal(["tools:call"]))).toBe("forbidden");
    expect(support(principal(["jobs:write"]))).toBe("required");
    expect(support(principal(["tools:call", "jobs:write"]), { tool: false, job: true })).toBe("required");
    expect(support(principal(["tools:call", "jobs:write"]), { tool: true, job: false })).toBe("forbidden");
    expect(support(principal(["jobs:read", "runs:read"]))).toBeNull();
    expect(support(principal(["admin"], ["g"]))).toBeNull();
    expect(support(principal(["admin"], ["f"]))).toBe("optional");
  });
});

describe("MCP output schemas", () => {
  it("keeps object schemas and wraps every other one as { result }", () => {
    expect(mcpOutputSchema(null)).toBeNull();
    expect(mcpOutputSchema({ $schema: "x", type: "object", properties: {} })).toEqual({
      schema: { type: "object", properties: {} },
      wrapped: false,
    });
    expect(mcpOutputSchema({ anyOf: [{ type: "object" }, { type: "null" }] })).toEqual({
      schema: { type: "object", properties: { result: { anyOf: [{ type: "object" }, { type: "null" }] } }, required: ["result"] },
      wrapped: true,
    });
  });

  it("puts structured content in the same shape as the schema, and refuses a non-object for an object schema", () => {
    expect(successResult("[1]", { type: "array" }, "run_1")).toMatchObject({
      structuredContent: { result: [1] },
      _meta: { "kiln/runId": "run_1" },
    });
    expect(successResult('{"a":1}', { type: "object" }, "run_1").structuredContent).toEqual({ a: 1 });
    expect(successResult("[1]", null, "run_1")).toEqual({ content: [{ type: "text", text: "[1]" }], _meta: { "kiln/runId": "run_1" } });
    expect(successResult("[1]", { type: "object" }, "run_1")).toMatchObject({ isError: true });
  });
});

describe("MCP tasks", () => {
  const run = { id: "run_1", createdAt: 0, updatedAt: 1000, errorMessage: null, waitingFor: null };

  it("maps run statuses to task statuses; a job waiting for an event is still working", () => {
    expect(taskOf({ ...run, status: "queued" })).toMatchObject({
      taskId: "run_1",
      status: "working",
      ttl: null,
      lastUpdatedAt: "1970-01-01T00:00:01.000Z",
    });
    expect(taskOf({ ...run, status: "waiting", waitingFor: "approval" })).toMatchObject({
      status: "working",
      statusMessage: "waiting for approval",
    });
    expect(taskOf({ ...run, status: "succeeded" })).not.toHaveProperty("statusMessage");
    expect(taskOf({ ...run, status: "timed_out", errorMessage: "too slow" })).toMatchObject({
      status: "failed",
      statusMessage: "timed_out: too slow",
    });
    expect(taskOf({ ...run, status: "cancelled" }).status).toBe("cancelled");
  });

  it("gives an ended job's result as a tool result, and says when only a preview of the output was kept", () => {
    const ended = { id: "run_1", status: "succeeded" as const, output: '{"a":1}', errorMessage: null, errorStep: null };
    expect(taskResultOf(ended, { type: "object" }).structuredContent).toEqual({ a: 1 });
    const truncated = { ...ended, output: JSON.stringify({ "kiln:truncated": true, characters: 99_999, preview: "{" }) };
    expect(taskResultOf(truncated, null)).toMatchObject({ isError: true });
    expect(taskResultOf({ ...ended, output: "null" }, null)).toMatchObject({ content: [{ text: "null" }] });
    const failed = { ...ended, status: "failed" as const, output: null, errorMessage: "boom", errorStep: "charge" };
    expect(taskResultOf(failed, null)).toMatchObject({ isError: true, content: [{ text: 'the job failed: step "charge" failed: boom' }] });
  });
});
