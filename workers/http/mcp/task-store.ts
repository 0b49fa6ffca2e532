/**
 * MCP tasks (protocol 2025-11-25) backed by Kiln jobs: the SDK's `TaskStore` interface over
 * runs with trigger `mcp-task`. The task id is the run id; status and result come from D1 and
 * the job's Durable Object, never from memory, so any isolate answers for any task. Tasks are
 * created by tools/call (./tools), not through the store; a task's status changes only by the
 * job itself or by cancel, which is POST /v1/jobs/:id/cancel's path (endJob).
 */
import type { TaskStore } from "@modelcontextprotocol/sdk/experimental/tasks";
import { ErrorCode, McpError, type Result } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { endJob } from "../../jobs/end-job";
import { type RunStatus, RunsQuery, TERMINAL_STATUSES } from "../../lib/contracts/runs";
import { canTouchFunction, hasScope } from "../../lib/domain/access";
import { taskOf, taskResultOf } from "../../lib/domain/mcp";
import { getVersionManifest } from "../../lib/infra/db/functions.repo";
import { getRun, listRuns, type RunRow } from "../../lib/infra/db/runs.repo";
import { payloadKey, wholeText } from "../../lib/infra/payloads";
import type { AppEnv } from "../types";
import { guarded } from "./errors";

const PAGE = 50;
const isTerminal = (status: string) => TERMINAL_STATUSES.includes(status as RunStatus);

function requireTaskScope(c: Context<AppEnv>): void {
  // Whoever may start a task (jobs:write) may follow it, as may a reader of jobs.
  const p = c.get("principal");
  if (!hasScope(p, "jobs:read") && !hasScope(p, "jobs:write")) {
    throw new McpError(ErrorCode.InvalidRequest, 'this credential lacks the "jobs:read" scope');
  }
}

/** The run behind a task this credential may see, or null (unknown, not a task, not its function). */
async function taskRun(c: Context<AppEnv>, taskId: string): Promise<RunRow | null> {
  requireTaskScope(c);
  if (taskId.length > 64) return null;
  const run = await getRun(c.get("db"), taskId);
  return run && run.trigger === "mcp-task" && canTouchFunction(c.get("principal"), run.functionName) ? run : null;
}

const notFound = (taskId: string) => new McpError(ErrorCode.InvalidParams, `Task not found: ${JSON.stringify(taskId.slice(0, 100))}`);

/** Live state while the job runs. An end is taken from D1 only, where the job's output is. */
async function liveTask(c: Context<AppEnv>, run: RunRow) {
  const base = { ...run, status: run.status as RunStatus, updatedAt: run.endedAt ?? run.startedAt ?? run.createdAt, waitingFor: null };
  if (isTerminal(run.status)) return taskOf(base);
  const live = await c.env.JOB.getByName(run.id).snapshot();
  if (!live || live.status === "queued" || isTerminal(live.status)) return taskOf(base);
  return taskOf({ ...base, status: live.status, updatedAt: live.updatedAt, waitingFor: live.waitingFor });
}

export function kilnTaskStore(c: Context<AppEnv>): TaskStore {
  return {
    createTask: async () => {
      throw new McpError(ErrorCode.InvalidRequest, "tasks are created by tools/call");
    },
    storeTaskResult: async () => {
      throw new McpError(ErrorCode.InvalidRequest, "a task's result is its job's output");
    },
    getTask: (taskId) =>
      guarded(c, async () => {
        const run = await taskRun(c, taskId);
        return run ? liveTask(c, run) : null;
      }),
    getTaskResult: (taskId) =>
      guarded(c, async (): Promise<Result> => {
        const run = await taskRun(c, taskId);
        if (!run) throw notFound(taskId);
        const manifest = await getVersionManifest(c.get("db"), run.versionId);
        // An output over 64 KiB is in R2 (the row holds a marker).
        const output = (await wholeText(c.env.PAYLOADS, run.output, payloadKey(run.id, "output"))) ?? run.output;
        return { ...taskResultOf({ ...run, output, status: run.status as RunStatus }, manifest?.output ?? null) };
      }),
    updateTaskStatus: (taskId, status) =>
      guarded(c, async () => {
        if (status !== "cancelled") throw new McpError(ErrorCode.InvalidRequest, "only a cancel can change a task's status");
        const run = await taskRun(c, taskId);
        if (!run) throw notFound(taskId);
        const p = c.get("principal");
        if (!hasScope(p, "jobs:write")) throw new McpError(ErrorCode.InvalidRequest, 'this credential lacks the "jobs:write" scope');
        const error = { message: `cancelled by ${p.keyId}`, name: "Cancelled", step: null, retryable: false };
        if (!(await endJob(c.env, c.get("db"), run, "cancelled", error))) {
          throw new McpError(ErrorCode.InvalidParams, `task "${run.id}" already ended`);
        }
      }),
    listTasks: (cursor) =>
      guarded(c, async () => {
        requireTaskScope(c);
        const query = RunsQuery.safeParse({ trigger: "mcp-task", limit: String(PAGE), ...(cursor === undefined ? {} : { cursor }) });
        if (!query.success) throw new McpError(ErrorCode.InvalidParams, "invalid cursor");
        const rows = await listRuns(c.get("db"), query.data, c.get("principal").functions, { jobsOnly: true });
        const tasks = rows.map((r) =>
          taskOf({ ...r, status: r.status as RunStatus, updatedAt: r.endedAt ?? r.startedAt ?? r.createdAt, waitingFor: null }),
        );
        return { tasks, ...(rows.length === PAGE ? { nextCursor: rows[rows.length - 1]?.id } : {}) };
      }),
  };
}
