/**
 * How many run records per second one D1 database takes through Kiln's batch writer: POST /setup
 * with Kiln's migrations (SQL text, in order) creates the schema; POST /write {runs, concurrency}
 * writes that many synthetic finished tool runs (each with a span and two log lines, like a simple
 * tool call) through `saveFinishedRuns` in batches of the writer's size, `concurrency` batches at
 * a time, and answers the elapsed time; GET /size answers the database's size in bytes.
 */
import type { Trace } from "../../workers/lib/contracts/runs";
import { database } from "../../workers/lib/infra/db/functions.repo";
import { type RunRecord, saveFinishedRuns } from "../../workers/lib/infra/db/runs.repo";

interface BenchEnv {
  DB: D1Database;
}

/** The run writer's batch size (workers/lib/infra/db/run-writer.ts). */
const BATCH = 25;
let serial = 0;

function syntheticRun(now: number): { run: RunRecord; trace: Trace } {
  const id = `run_bench_${now.toString(36)}_${(serial++).toString(36).padStart(8, "0")}`;
  const run: RunRecord = {
    id,
    functionId: "fn_bench",
    functionName: `bench-tool-${serial % 8}`,
    versionId: "ver_bench",
    versionNumber: 1,
    trigger: "tool",
    status: serial % 25 === 0 ? "failed" : "succeeded",
    input: JSON.stringify({ message: "hello from the write benchmark", n: serial }),
    output: JSON.stringify({ echoed: "hello from the write benchmark" }),
    error: null,
    attempt: 1,
    idempotencyKey: null,
    requestHash: null,
    parentRunId: null,
    createdAt: now,
    startedAt: now,
    endedAt: now + 12,
  };
  const trace: Trace = {
    steps: [],
    spans: [
      {
        step: null,
        method: "GET",
        host: "api.example.com",
        path: "/v1/items",
        status: 200,
        startedAt: now + 1,
        durationMs: 8,
        error: null,
      },
    ],
    logs: [
      { level: "info", message: "looking the item up", data: JSON.stringify({ n: serial }), step: null, at: now + 1 },
      { level: "info", message: "done", data: null, step: null, at: now + 11 },
    ],
  };
  return { run, trace };
}

async function write(env: BenchEnv, total: number, concurrency: number): Promise<Response> {
  const db = database(env.DB);
  let left = total;
  const t0 = Date.now();
  const worker = async () => {
    while (left > 0) {
      const n = Math.min(BATCH, left);
      left -= n;
      const now = Date.now();
      await saveFinishedRuns(
        db,
        Array.from({ length: n }, () => syntheticRun(now)),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Response.json({ runs: total, ms: Date.now() - t0 });
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/setup" && request.method === "POST") {
      const files = (await request.json()) as string[];
      for (const sql of files)
        for (const statement of sql
          .split("--> statement-breakpoint")
          .map((s) => s.trim())
          .filter(Boolean))
          await env.DB.prepare(statement).run();
      return Response.json({ ok: true });
    }
    if (path === "/write" && request.method === "POST") {
      const { runs, concurrency } = (await request.json()) as { runs: number; concurrency: number };
      return write(env, runs, concurrency);
    }
    if (path === "/size") return Response.json({ bytes: (await env.DB.prepare("SELECT 1").run()).meta.size_after });
    return Response.json({ ok: true });
  },
};
