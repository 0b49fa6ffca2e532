/**
 * Child jobs of ctx.invoke, as the parent's JobDriver needs them: start one (idempotently per
 * parent step, so a replayed parent finds the same child), read how it ended, cancel it. The
 * checks that do not need I/O (manifest `invokes`, the root's credential, depth) are made by the
 * driver with lib/domain/invoke-rules.ts; those that need D1 are made here.
 * Imports contracts, domain, infra, cloudflare:workflows and sibling job modules.
 */
import { NonRetryableError } from "cloudflare:workflows";
import type { JobParams } from "../lib/contracts/jobs";
import { type RunError, TERMINAL_STATUSES } from "../lib/contracts/runs";
import { childIdempotencyKey, MAX_TREE_RUNS, treeFullMessage } from "../lib/domain/invoke-rules";
import { validateInput } from "../lib/domain/json-schema";
import { AppError } from "../lib/errors";
import { type Db, getActiveFunction } from "../lib/infra/db/functions.repo";
import { countTreeRuns, getRun } from "../lib/infra/db/runs.repo";
import { endJob } from "./end-job";
import { startJob } from "./start-job";

/** What a started child is known by (memoized in the parent's step). */
export interface ChildStart {
  runId: string;
  startedAt: number;
}

/** How a child ended, or that it has not. `output` is the child's output, parsed. */
export type ChildOutcome =
  | { status: "live" }
  | { status: "succeeded"; output: unknown }
  | { status: "failed" | "cancelled" | "timed_out"; error: RunError };

export class ChildJobs {
  constructor(
    private readonly env: Env,
    private readonly db: Db,
    private readonly waitUntil: (work: Promise<unknown>) => void,
    private readonly parent: JobParams,
  ) {}

  /** Starts (or finds, for a replayed step) the child of `step`; refuses for good what can never start. */
  async start(callee: string, input: unknown, step: string): Promise<ChildStart> {
    const tree = this.parent.tree ?? { parentRunId: null, rootRunId: this.parent.runId, depth: 0, allowedFunctions: null };
    const fn = await getActiveFunction(this.db, callee);
    if (!fn) throw new NonRetryableError(`ctx.invoke("${callee}"): no function of that name is deployed`);
    const issues = validateInput(fn.versionId, fn.manifest.input, input);
    if (issues.length > 0) {
      const first = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
      throw new NonRetryableError(`ctx.invoke("${callee}"): the input does not match its schema (${first.join("; ")})`);
    }
    if ((await countTreeRuns(this.db, tree.rootRunId)) >= MAX_TREE_RUNS) throw new NonRetryableError(treeFullMessage(tree.rootRunId));
    try {
      const { run } = await startJob(this.env, { waitUntil: this.waitUntil }, this.db, fn, input, {
        trigger: "invoke",
        idempotencyKey: childIdempotencyKey(this.parent.runId, step),
        parentRunId: this.parent.runId,
        rootRunId: tree.rootRunId,
        depth: tree.depth + 1,
        allowedFunctions: tree.allowedFunctions,
      });
      return { runId: run.id, startedAt: run.createdAt };
    } catch (error) {
      // The same step name started a child with other input: the function is not deterministic.
      if (error instanceof AppError && error.status === 409)
        throw new NonRetryableError(`ctx.invoke("${callee}") at step "${step}" was called again with different input`);
      throw error;
    }
  }

  async outcome(runId: string): Promise<ChildOutcome> {
    const run = await getRun(this.db, runId);
    if (!run)
      return { status: "failed", error: { message: `child run ${runId} no longer exists`, name: "Error", step: null, retryable: false } };
    if (!TERMINAL_STATUSES.includes(run.status as never)) return { status: "live" };
    if (run.status === "succeeded") {
      // The whole output is kept by the child's Durable Object; D1 holds only a preview of a large one.
      const text = (await this.env.JOB.getByName(runId).keptOutput()) ?? run.output;
      return { status: "succeeded", output: text === null ? null : JSON.parse(text) };
    }
    const error: RunError = {
      message: run.errorMessage ?? `the run ended as ${run.status}`,
      name: run.errorName ?? "Error",
      step: run.errorStep,
      retryable: run.errorRetryable ?? true,
    };
    return { status: run.status as "failed" | "cancelled" | "timed_out", error };
  }

  /** Ends a child that ran past the parent's `timeout`; false when it had ended already. */
  async cancel(runId: string, message: string): Promise<boolean> {
    const run = await getRun(this.db, runId);
    if (!run) return false;
    return endJob(this.env, this.db, run, "cancelled", { message, name: "InvokeTimeout", step: null, retryable: true });
  }
}
