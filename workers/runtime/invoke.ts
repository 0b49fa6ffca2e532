/**
 * One synchronous invocation of a function version (a tool call): dispatch into its isolate,
 * enforce Kiln's wall-clock timeout, and reduce whatever happened to a run outcome. A crash, a
 * hang or a huge output ends this run alone; nothing here throws for a misbehaving function.
 */
import type { RunError, RunStatus, RunTrigger, Trace } from "../lib/contracts/runs";
import { redactError, redactTrace } from "../lib/domain/redact";
import { capText, parseRunError, TRACE_LIMITS } from "../lib/domain/trace-caps";
import type { DurableDriver, InvokeResult } from "./isolate/kiln";
import type { FunctionIsolate } from "./loader";
import { RunChannel, RunLedger, type StepSpans, type SyncInvoker } from "./run-channel";
import type { RunConfig } from "./run-config";
import { withTimeout } from "./timeout";

/** Largest JSON output a run may return. */
export const MAX_OUTPUT_CHARS = 1024 * 1024;

export type Outcome =
  | { status: "succeeded"; output: string; trace: Trace }
  | { status: "invalid_input"; error: RunError; issues: { path: string; message: string }[]; trace: Trace }
  | {
      status: Extract<RunStatus, "failed" | "timed_out">;
      error: RunError;
      reason: "error" | "timeout" | "output_too_large" | "crash";
      trace: Trace;
    };

export interface InvokeOptions {
  runId: string;
  trigger: RunTrigger;
  /** The schedule that started this job, if one did (ctx.run.schedule). */
  schedule?: { id: string; slot: string | null } | null;
  attempt: number;
  functionName: string;
  versionNumber: number;
  timeoutMs: number;
  /** Secrets, environment and redaction for this run (see run-config.ts). */
  config: RunConfig;
  /** The hosts the version's fetch() may reach (checked by the run's channel). */
  egress: readonly string[];
  /** Admin-only, for local development: allow-listed IP literals and localhost become reachable. */
  allowLocalEgress: boolean;
  /** How ctx.invoke reaches other functions in a tool call (jobs use the durable driver instead). */
  invoker?: SyncInvoker;
}

/** At most this many input issues are kept from the isolate's answer. */
const MAX_ISSUES = 100;

function parseIssues(raw: unknown): { path: string; message: string }[] {
  if (!Array.isArray(raw)) return [];
  return raw.slice(0, MAX_ISSUES).map((i) => ({
    path: typeof i?.path === "string" ? capText(i.path, TRACE_LIMITS.nameChars) : "/",
    message: typeof i?.message === "string" ? capText(i.message, TRACE_LIMITS.messageChars) : "invalid",
  }));
}

/**
 * The isolate's answer is untrusted (the function can patch the SDK): parse it leniently. The
 * trace is what the run's channel received, capped on arrival.
 */
function fromResult(result: InvokeResult, trace: Trace): Outcome {
  if (result?.ok === true && typeof result.output === "string") return { status: "succeeded", output: result.output, trace };
  const r = result as Partial<Extract<InvokeResult, { ok: false }>> | undefined;
  const error = parseRunError(r?.error);
  if (r?.kind === "invalid_input") return { status: "invalid_input", error, issues: parseIssues(r.issues), trace };
  return { status: "failed", error, reason: r?.kind === "output_too_large" ? "output_too_large" : "error", trace };
}

/** The runtime cancelling a request whose promise can never settle (platform notes §1). */
function crashMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/hung and would never generate a response/.test(message)) {
    return "the function's promise can never settle (it awaits something that never resolves); the runtime cancelled it";
  }
  return capText(`the function's isolate failed: ${message}`, TRACE_LIMITS.messageChars);
}

/**
 * Runs once; with a `driver` (jobs), steps, sleeps and waits go through the Workflow engine and
 * the spans of each step go to `stepSpans`. On a timeout or a crash the run keeps the trace its
 * channel received until then.
 */
export async function invokeFunction(
  isolate: FunctionIsolate,
  input: unknown,
  o: InvokeOptions,
  driver?: DurableDriver,
  stepSpans?: StepSpans,
): Promise<Outcome> {
  const ledger = new RunLedger({ egress: o.egress, injected: o.config.injected, allowLocal: o.allowLocalEgress }, stepSpans);
  const call = isolate
    .invoke(
      {
        input,
        run: {
          id: o.runId,
          attempt: o.attempt,
          trigger: o.trigger,
          function: o.functionName,
          version: o.versionNumber,
          ...(o.schedule ? { schedule: o.schedule } : {}),
        },
        secrets: o.config.secrets,
        env: o.config.env,
        maxOutputChars: MAX_OUTPUT_CHARS,
      },
      driver,
      new RunChannel(ledger, o.invoker ?? null),
    )
    .then(
      (result: InvokeResult): Outcome => checkOutput(fromResult(result, ledger.close())),
      (error: unknown): Outcome => ({
        status: "failed",
        reason: "crash",
        error: { message: crashMessage(error), name: "IsolateError", step: null, retryable: true },
        trace: ledger.close(),
      }),
    );
  const outcome = await withTimeout(
    call,
    o.timeoutMs,
    (): Outcome => ({
      status: "timed_out",
      reason: "timeout",
      error: { message: `the function did not finish within ${o.timeoutMs} ms`, name: "TimeoutError", step: null, retryable: true },
      trace: ledger.close(),
    }),
  );
  return finishOutcome(outcome, o.config);
}

/** Adds Kiln's notes (missing secrets) to the trace, and redacts every granted value from the outcome. */
function finishOutcome(outcome: Outcome, config: RunConfig): Outcome {
  const trace = config.notes.length > 0 ? { ...outcome.trace, logs: [...config.notes, ...outcome.trace.logs] } : outcome.trace;
  const r = config.redactor;
  if (!r) return { ...outcome, trace };
  const redacted = redactTrace(trace, r);
  if (outcome.status === "succeeded") return { ...outcome, output: r.json(outcome.output), trace: redacted };
  return { ...outcome, error: redactError(outcome.error, r), trace: redacted };
}

/** A run that fails before its code runs (its configuration could not be loaded). */
export function failedBeforeRun(error: RunError): Outcome {
  return { status: "failed", reason: "error", error, trace: { steps: [], spans: [], logs: [] } };
}

/** The harness checks too, but it runs in the user's isolate: check what actually arrived. */
function checkOutput(outcome: Outcome): Outcome {
  if (outcome.status !== "succeeded" || outcome.output.length <= MAX_OUTPUT_CHARS) return outcome;
  return {
    status: "failed",
    reason: "output_too_large",
    error: { message: `output exceeds ${MAX_OUTPUT_CHARS} characters of JSON`, name: "OutputTooLarge", step: null, retryable: false },
    trace: outcome.trace,
  };
}
