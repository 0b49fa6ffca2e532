/**
 * The bridge between a function's isolate and the Workflow engine for one durable run: an
 * RpcTarget created inside the Workflow's run() and passed to the isolate's invoke(). Each
 * ctx.step becomes a Workflow step (memoized, retried by policy), ctx.sleep a durable sleep and
 * ctx.waitForEvent a durable wait, ctx.invoke a child job the run waits for; every attempt is
 * recorded in the job's Durable Object. A step's result over 64 KiB is kept whole (redacted) in R2.
 */
import { RpcTarget, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import type { JobDO } from "../../durable-objects/job.do";
import type { JobParams, LiveStep } from "../lib/contracts/jobs";
import type { RunStatus } from "../lib/contracts/runs";
import { checkInvoke, childEndedEvent, invokeInput, refusalMessage } from "../lib/domain/invoke-rules";
import { jsonPreview, PREVIEW_CHARS, textPreview } from "../lib/domain/json-text";
import { type Redactor, redactLogs, redactSpans, redactStep } from "../lib/domain/redact";
import { capText, parseLog, TRACE_LIMITS } from "../lib/domain/trace-caps";
import type { Db } from "../lib/infra/db/functions.repo";
import { setRunStatus } from "../lib/infra/db/runs.repo";
import { idFor, newId } from "../lib/infra/ids";
import { stepResultKey, storePayload } from "../lib/infra/payloads";
import type { InvokeOptions, ReceivedEvent, StepAttempt, StepOptions } from "../runtime/isolate/kiln";
import type { StepSpans } from "../runtime/run-channel";
import type { ChildJobs, ChildOutcome } from "./invoke-child";

const DEFAULT_EVENT_TIMEOUT_MS = 24 * 3_600_000;

/** The engine aborts a run() it is about to replay; its wording in production is unverified (notes §12). */
export function isEngineAbort(error: unknown): boolean {
  return error instanceof Error && /^Aborting engine/i.test(error.message);
}

const toArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * How long a parent waits for its child's end event before it reads the child's status itself
 * (an event sent before the wait began, or lost, only delays it): growing, so a long child costs
 * few steps.
 */
const RECHECK_MS = [5_000, 15_000, 30_000, 60_000, 120_000, 300_000];

/** One attempt of a ctx.invoke: the child's output, or why it failed and whether retrying may help. */
type InvokeAttempt = { ok: true; value: unknown } | { ok: false; message: string; retryable: boolean };

/** One started child of a ctx.invoke attempt. */
interface ChildCall {
  children: ChildJobs;
  /** The parent's step name, and the attempt's label (the step name, then `#2`, …). */
  name: string;
  attempt: number;
  label: string;
  callee: string;
  runId: string;
  startedAt: number;
}

/** The attempt's result once the child ended (null while it runs); its error names the child's run. */
function settleChild(call: ChildCall, outcome: ChildOutcome): InvokeAttempt | null {
  if (outcome.status === "live") return null;
  if (outcome.status === "succeeded") return { ok: true, value: outcome.output };
  const where = outcome.error.step ? ` at step "${outcome.error.step}"` : "";
  const how = outcome.status === "failed" ? "failed" : `ended as ${outcome.status}`;
  const message = `invoked function "${call.callee}" ${how}${where} (run ${call.runId}): ${outcome.error.message}`;
  return { ok: false, message: capText(message, TRACE_LIMITS.messageChars), retryable: outcome.error.retryable };
}

export class JobDriver extends RpcTarget {
  /** Set once the engine aborted this run(): every later call is refused (notes §12). */
  aborted: unknown = null;
  /** Why the guard refused to go on, when it did: the run ends with this status. */
  stopped: "timed_out" | "cancelled" | null = null;
  /** The last step that failed for good, and whether it asked not to be retried. */
  lastFailure: { step: string; nonRetriable: boolean } | null = null;
  /** ctx.invoke calls made in this pass of run() (a replay counts them again, in the same order). */
  private invoked = 0;

  constructor(
    private readonly engine: WorkflowStep,
    private readonly job: DurableObjectStub<JobDO>,
    private readonly params: JobParams,
    private readonly deadline: number,
    /** Spans of outbound calls made inside steps, recorded by Kiln's run channel, not the isolate. */
    private readonly stepSpans: StepSpans,
    /** Keeps the run's granted secret values out of every record. */
    private readonly redactor: Redactor | null,
    /** The run's row mirrors waiting/running too, so lists and their status filter agree with the job page. */
    private readonly db: Db,
    /** Starts and follows the child jobs of ctx.invoke. */
    private readonly children: ChildJobs | null = null,
    /** Where step results over 64 KiB are kept whole (without it, only a preview is kept). */
    private readonly payloads: R2Bucket | null = null,
  ) {
    super();
  }

  private async guard(name: string): Promise<void> {
    if (this.aborted) throw this.aborted;
    if (name.startsWith("kiln:")) throw new NonRetryableError(`step names starting with "kiln:" are reserved (got "${name}")`);
    if (Date.now() > this.deadline) this.stopped = "timed_out";
    else if (await this.job.isCancelled()) this.stopped = "cancelled";
    if (this.stopped === "timed_out") throw new NonRetryableError("the job ran past its jobTimeoutMs");
    if (this.stopped === "cancelled") throw new NonRetryableError("the job was cancelled");
  }

  private async engineCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isEngineAbort(error)) this.aborted = error;
      throw error;
    }
  }

  /** Moves the job's live status and its stored run row together (neither moves once the run ended). */
  private async setStatus(status: Extract<RunStatus, "running" | "waiting">, waitingFor: string | null = null): Promise<void> {
    await Promise.all([this.job.setStatus(status, waitingFor), setRunStatus(this.db, this.params.runId, { status })]);
  }

  private record(step: LiveStep, result?: { value: unknown }, attempt?: StepAttempt): Promise<void> {
    const trace = attempt && { logs: attempt.logs, spans: this.stepSpans.take(step.name) };
    const r = this.redactor;
    if (!r) return this.job.recordStep(step, result, trace);
    // The step's full result stays unredacted in the job's storage (a replay reuses it); nothing shows it.
    const logs =
      trace &&
      redactLogs(
        toArray(trace.logs).flatMap((l) => parseLog(l) ?? []),
        r,
      );
    return this.job.recordStep(redactStep(step, r), result, trace && { logs, spans: redactSpans(trace.spans, r) });
  }

  /**
   * What a step's record keeps of its result: the result itself up to a preview's length, beyond
   * that a marker naming the whole result in R2 (redacted like the record), so a trace stays small
   * and every result can be read whole. The object's id is a fresh one inside a memoized step (it
   * runs once); code that a replay of run() repeats passes `objectId`, the same on every pass.
   */
  private async resultColumn(value: unknown, objectId?: string): Promise<string | null> {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    if (text === undefined) return jsonPreview(value);
    if (text.length <= PREVIEW_CHARS || this.payloads === null) return textPreview(text);
    const whole = this.redactor ? this.redactor.json(text) : text;
    return storePayload(this.payloads, stepResultKey(this.params.runId, objectId ?? newId("stp")), whole, PREVIEW_CHARS);
  }

  async step(name: string, options: StepOptions, attempt: (attempt: number) => Promise<StepAttempt>): Promise<unknown> {
    await this.guard(name);
    const policy = this.params.retries;
    const config: WorkflowStepConfig = {
      retries: { limit: options.retries ?? policy.limit, delay: options.retryDelayMs ?? policy.delayMs, backoff: policy.backoff },
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    };
    const reused = Object.hasOwn(this.params.reuse, name);
    return this.engineCall(() =>
      this.engine.do(name, config, async (ctx) => {
        const startedAt = Date.now();
        const base = { name, kind: "step" as const, attempt: ctx.attempt, startedAt, error: null, output: null };
        if (reused) {
          const value = this.params.reuse[name];
          await this.record({ ...base, status: "succeeded", endedAt: startedAt, output: await this.resultColumn(value) }, { value });
          return value as Rpc.Serializable<unknown>;
        }
        await this.record({ ...base, status: "running", endedAt: null });
        const result = await attempt(ctx.attempt);
        if (!result.ok) {
          // The attempt comes from the function's isolate: its error text is capped like any trace.
          const message = capText(String(result.error?.message ?? "step failed"), TRACE_LIMITS.messageChars);
          await this.record({ ...base, status: "failed", endedAt: Date.now(), error: message }, undefined, result);
          this.lastFailure = { step: name, nonRetriable: result.nonRetriable === true };
          throw result.nonRetriable ? new NonRetryableError(message) : new Error(message);
        }
        await this.record(
          { ...base, status: "succeeded", endedAt: Date.now(), output: await this.resultColumn(result.value) },
          { value: result.value },
          result,
        );
        this.lastFailure = null;
        return result.value as Rpc.Serializable<unknown>;
      }),
    );
  }

  async sleep(name: string, ms: number): Promise<void> {
    await this.guard(name);
    const startedAt = Date.now();
    await this.record({ name, kind: "sleep", status: "sleeping", attempt: 1, startedAt, endedAt: null, error: null, output: null });
    await this.job.noteWake("sleep", name, startedAt + ms);
    await this.setStatus("waiting", `sleep "${name}"`);
    await this.engineCall(() => this.engine.sleep(name, ms));
    await this.setStatus("running");
    await this.record({ name, kind: "sleep", status: "succeeded", attempt: 1, startedAt, endedAt: Date.now(), error: null, output: null });
  }

  async waitForEvent(name: string, type: string, timeoutMs: number | null): Promise<ReceivedEvent> {
    // Kiln sends its own events to instances (slot grants, sleep nudges): user code must not catch them.
    if (type.startsWith("kiln-")) throw new NonRetryableError(`event types starting with "kiln-" are reserved (got "${type}")`);
    await this.guard(name);
    const startedAt = Date.now();
    const base = { name, kind: "wait" as const, attempt: 1, startedAt, output: null };
    await this.record({ ...base, status: "waiting", endedAt: null, error: null });
    await this.job.noteWake("wait", name, startedAt + (timeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS));
    await this.setStatus("waiting", type);
    try {
      const event = await this.engineCall(() => this.engine.waitForEvent(name, { type, timeout: timeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS }));
      await this.setStatus("running");
      // Not inside a memoized step: every replay of run() gets here again, and writes the same object.
      const output = await this.resultColumn(event.payload, await idFor("stp", `${this.params.runId}\nwait\n${name}`));
      await this.record({ ...base, status: "succeeded", endedAt: Date.now(), error: null, output });
      return { type: event.type, payload: event.payload, timestamp: new Date(event.timestamp).toISOString() };
    } catch (error) {
      if (this.aborted) throw error;
      const message = `no "${type}" event arrived in time`;
      await this.setStatus("running");
      await this.record({ ...base, status: "failed", endedAt: Date.now(), error: message });
      throw new Error(message);
    }
  }

  /**
   * ctx.invoke in a job: starts `callee` as a child job inside a memoized step (keyed by this run
   * and step, so a replay finds the same child) and waits for its end. A failed child fails the
   * step with its error and run id; `retries` start a new child each.
   */
  async invoke(name: string, callee: unknown, input: unknown, options: InvokeOptions): Promise<unknown> {
    await this.guard(name);
    if (name.length > 200) return this.fail(name.slice(0, 200), "ctx.invoke: a step name may have at most 200 characters", true);
    const tree = this.params.tree ?? { depth: 0, allowedFunctions: null };
    const target = typeof callee === "string" ? callee : "";
    const caller = {
      invokes: this.params.invokes,
      depth: tree.depth,
      allowedFunctions: tree.allowedFunctions,
      invokedSoFar: this.invoked++,
    };
    const children = this.children;
    if (children === null) return this.fail(name, "ctx.invoke() is not available in this run", true);
    const refused = checkInvoke(caller, target);
    if (refused) return this.fail(name, refusalMessage(this.params.functionName, refused), true);
    const plain = invokeInput(input);
    if (!plain.ok) return this.fail(name, plain.message, true);
    const retries = Math.min(20, Math.max(0, Math.floor(Number(options?.retries ?? 0)) || 0));
    const delayMs = Math.min(3_600_000, Math.max(0, Number(options?.retryDelayMs ?? 1_000) || 0));
    const timeoutMs = typeof options?.timeoutMs === "number" && options.timeoutMs > 0 ? options.timeoutMs : null;
    for (let attempt = 1; ; attempt++) {
      const result = await this.invokeOnce(children, name, attempt, target, plain.value, timeoutMs);
      if (result.ok) {
        this.lastFailure = null;
        return result.value;
      }
      if (!result.retryable || attempt > retries) return this.fail(name, result.message, !result.retryable);
      await this.engineCall(() => this.engine.sleep(`kiln:${name} backoff ${attempt}`, delayMs * 2 ** (attempt - 1)));
    }
  }

  private fail(step: string, message: string, nonRetriable: boolean): never {
    this.lastFailure = { step, nonRetriable };
    throw nonRetriable ? new NonRetryableError(message) : new Error(message);
  }

  /** One child: start it (memoized), then wait for its end event, re-reading its status now and then. */
  private async invokeOnce(
    children: ChildJobs,
    name: string,
    attempt: number,
    callee: string,
    input: unknown,
    timeoutMs: number | null,
  ): Promise<InvokeAttempt> {
    const label = attempt === 1 ? name : `${name} #${attempt}`;
    const started = await this.engineCall(() =>
      this.engine.do(`kiln:invoke ${label}`, { retries: { limit: 3, delay: 1_000, backoff: "exponential" } }, async () => {
        const child = await children.start(callee, input, label);
        await this.record({
          name,
          kind: "step",
          attempt,
          error: null,
          output: null,
          status: "running",
          startedAt: child.startedAt,
          endedAt: null,
        });
        return child;
      }),
    );
    const call: ChildCall = { children, name, attempt, label, callee, runId: started.runId, startedAt: started.startedAt };
    const deadline = timeoutMs === null ? null : call.startedAt + timeoutMs;
    for (let round = 0; ; round++) {
      const outcome = await this.engineCall(() =>
        this.engine.do(`kiln:invoke ${label} check ${round}`, async () => this.recordEnd(call, await children.outcome(call.runId))),
      );
      const result = settleChild(call, outcome);
      if (result) return result;
      const left = deadline === null ? Number.POSITIVE_INFINITY : deadline - Date.now();
      if (left <= 0) return this.invokeTimedOut(call, timeoutMs ?? 0);
      const wait = Math.min(RECHECK_MS[Math.min(round, RECHECK_MS.length - 1)] ?? 300_000, left);
      try {
        await this.engineCall(() =>
          this.engine.waitForEvent(`kiln:invoke ${label} wait ${round}`, { type: childEndedEvent(call.runId), timeout: wait }),
        );
      } catch (error) {
        if (this.aborted) throw error;
      }
    }
  }

  /** Records the attempt's end, once: called inside the memoized step that saw it. */
  private async recordEnd(call: ChildCall, outcome: ChildOutcome): Promise<ChildOutcome> {
    const result = settleChild(call, outcome);
    if (result) {
      const end = result.ok
        ? { status: "succeeded" as const, output: await this.resultColumn(result.value), error: null }
        : { status: "failed" as const, output: null, error: result.message };
      await this.record({ name: call.name, kind: "step", attempt: call.attempt, startedAt: call.startedAt, endedAt: Date.now(), ...end });
    }
    return outcome;
  }

  /** The child ran past `timeout`: cancel it (unless it just ended) and fail the attempt. */
  private async invokeTimedOut(call: ChildCall, timeoutMs: number): Promise<InvokeAttempt> {
    const message = `the invoked run ${call.runId} did not finish within ${timeoutMs} ms`;
    const outcome = await this.engineCall(() =>
      this.engine.do(`kiln:invoke ${call.label} timeout`, async () => {
        await call.children.cancel(call.runId, message);
        const now = await call.children.outcome(call.runId);
        const timedOut: ChildOutcome = { status: "timed_out", error: { message, name: "InvokeTimeout", step: null, retryable: true } };
        return this.recordEnd(call, now.status === "cancelled" ? timedOut : now);
      }),
    );
    return settleChild(call, outcome) ?? { ok: false, message, retryable: true };
  }
}
