/**
 * Who may call whom with ctx.invoke, and how far a tree of calls may grow. Pure: no bindings, no
 * I/O; the caller passes in what it read. Imports only other domain modules.
 */
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-limits";

/** Calls from a root run down to its deepest child: a cycle A → B → A ends here instead of running forever. */
export const MAX_INVOKE_DEPTH = 5;
/** Runs in one tree (root included): fan-out times depth cannot fill the runs table or the engine. */
export const MAX_TREE_RUNS = 500;
/** ctx.invoke calls one run may make. */
export const MAX_INVOKES_PER_RUN = 100;

/** Where the calling run sits in its tree, and what the root's credential allows. */
export interface InvokeCaller {
  /** The caller's manifest `invokes`. */
  invokes: readonly string[];
  /** The caller's depth (0 for a root). */
  depth: number;
  /** Functions the credential that started the root run may use; null: all. */
  allowedFunctions: readonly string[] | null;
  /** ctx.invoke calls this run has made so far (this one excluded). */
  invokedSoFar: number;
}

export type InvokeRefusal =
  | { reason: "not_listed"; callee: string }
  | { reason: "not_allowed"; callee: string }
  | { reason: "too_deep"; limit: number }
  | { reason: "too_many"; limit: number };

/** null when the call may go ahead. */
export function checkInvoke(caller: InvokeCaller, callee: string): InvokeRefusal | null {
  if (!caller.invokes.includes(callee)) return { reason: "not_listed", callee };
  if (caller.allowedFunctions !== null && !caller.allowedFunctions.includes(callee)) return { reason: "not_allowed", callee };
  if (caller.depth + 1 > MAX_INVOKE_DEPTH) return { reason: "too_deep", limit: MAX_INVOKE_DEPTH };
  if (caller.invokedSoFar >= MAX_INVOKES_PER_RUN) return { reason: "too_many", limit: MAX_INVOKES_PER_RUN };
  return null;
}

/** The error message a function sees for a refused call (names only: nothing secret). */
export function refusalMessage(caller: string, r: InvokeRefusal): string {
  switch (r.reason) {
    case "not_listed":
      return `"${caller}" may not invoke "${r.callee}": add it to the manifest's "invokes"`;
    case "not_allowed":
      return `"${r.callee}" is outside the functions the credential that started this run's root may use`;
    case "too_deep":
      return `ctx.invoke nests deeper than ${r.limit} calls (a cycle of functions invoking each other?)`;
    case "too_many":
      return `a run may make at most ${r.limit} ctx.invoke calls`;
  }
}

/** The error of a tree that reached MAX_TREE_RUNS. */
export const treeFullMessage = (root: string): string => `the tree of runs under ${root} reached ${MAX_TREE_RUNS} runs`;

/** Workflow event type a child's end sends to its parent (kiln- types are refused from callers). */
export const childEndedEvent = (childRunId: string): string => `kiln-child-${childRunId}`;

/** The idempotency key of the child a parent's step starts: a replayed parent finds the same child. */
export const childIdempotencyKey = (parentRunId: string, step: string): string => `invoke:${parentRunId}:${step}`;

/** Largest input (JSON characters) one function may pass to another: the same as a job's body. */
export const MAX_INVOKE_INPUT_CHARS = 1024 * 1024;

/**
 * The input a function passes to ctx.invoke, as plain JSON: it comes from the caller's isolate, so
 * its size and nesting are bounded before anything recurses over it.
 */
export function invokeInput(value: unknown): { ok: true; value: unknown; text: string } | { ok: false; message: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
  } catch {
    return { ok: false, message: "ctx.invoke: the input cannot be turned into JSON" };
  }
  if (text === undefined) return { ok: false, message: "ctx.invoke: the input cannot be turned into JSON" };
  if (text.length > MAX_INVOKE_INPUT_CHARS)
    return { ok: false, message: `ctx.invoke: the input is ${text.length} characters of JSON; the limit is ${MAX_INVOKE_INPUT_CHARS}` };
  if (nestsDeeperThan(text)) return { ok: false, message: `ctx.invoke: the input nests deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value: JSON.parse(text), text };
}
