/**
 * ctx.invoke in a tool call: the other function runs at once, as its own run (trigger `tool`, with
 * this run as its parent), within what is left of the root call's time. Refusals (not in
 * `invokes`, outside the root credential's functions, too deep, too many, bad input) are answered
 * as values the SDK throws as NonRetriableError. Imports lib and sibling runtime modules.
 */
import { checkInvoke, invokeInput, MAX_TREE_RUNS, refusalMessage, treeFullMessage } from "../lib/domain/invoke-rules";
import { validateInput } from "../lib/domain/json-schema";
import { type ActiveFunction, type Db, getActiveFunction } from "../lib/infra/db/functions.repo";
import type { ToolCallResult } from "./call-tool";
import type { ChannelInvokeAnswer } from "./isolate/recorder";
import type { SyncInvoker } from "./run-channel";

/** Where a synchronous run sits in its tree of calls. */
export interface ToolTree {
  parentRunId: string | null;
  rootRunId: string;
  depth: number;
  allowedFunctions: readonly string[] | null;
  /** Epoch ms when the calling run must end: no called function runs past it. */
  deadline: number;
  /** Runs the tree has started besides its root (shared by every run of the tree, in memory). */
  budget: { runs: number };
}

export interface SyncDeps {
  platform: Env;
  ctx: Pick<ExecutionContext, "waitUntil">;
  db: Db;
  call: (
    platform: Env,
    ctx: Pick<ExecutionContext, "waitUntil">,
    db: Db,
    fn: ActiveFunction,
    input: unknown,
    o: { tree: ToolTree },
  ) => Promise<ToolCallResult>;
}

const refuse = (message: string): ChannelInvokeAnswer => ({ ok: false, message, retryable: false });

export function syncInvoker(
  deps: SyncDeps,
  caller: { runId: string; functionName: string; invokes: readonly string[]; tree: ToolTree },
): SyncInvoker {
  let invoked = 0;
  return async (name, input, timeoutMs) => {
    const { tree } = caller;
    const checked = checkInvoke(
      { invokes: caller.invokes, depth: tree.depth, allowedFunctions: tree.allowedFunctions, invokedSoFar: invoked++ },
      name,
    );
    if (checked) return refuse(refusalMessage(caller.functionName, checked));
    const plain = invokeInput(input);
    if (!plain.ok) return refuse(plain.message);
    if (tree.budget.runs >= MAX_TREE_RUNS - 1) return refuse(treeFullMessage(tree.rootRunId));
    const fn = await getActiveFunction(deps.db, name);
    if (!fn) return refuse(`ctx.invoke("${name}"): no function of that name is deployed`);
    const issues = validateInput(fn.versionId, fn.manifest.input, plain.value);
    if (issues.length > 0) {
      const first = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
      return refuse(`ctx.invoke("${name}"): the input does not match its schema (${first.join("; ")})`);
    }
    const now = Date.now();
    const deadline = Math.min(tree.deadline, timeoutMs === null ? Number.POSITIVE_INFINITY : now + timeoutMs);
    if (deadline <= now) return { ok: false, message: `ctx.invoke("${name}"): no time is left in this call`, retryable: true };
    tree.budget.runs++;
    const child = await deps.call(deps.platform, deps.ctx, deps.db, fn, plain.value, {
      tree: { ...tree, parentRunId: caller.runId, depth: tree.depth + 1, deadline },
    });
    const flush = child.save();
    if (flush) deps.ctx.waitUntil(flush);
    const { outcome } = child;
    if (outcome.status === "succeeded") return { ok: true, output: outcome.output, runId: child.runId };
    const where = outcome.error.step ? ` at step "${outcome.error.step}"` : "";
    const message = `invoked function "${name}" ${outcome.status === "timed_out" ? "timed out" : "failed"}${where} (run ${child.runId}): ${outcome.error.message}`;
    return { ok: false, message, retryable: outcome.status !== "invalid_input" && outcome.error.retryable };
  };
}
