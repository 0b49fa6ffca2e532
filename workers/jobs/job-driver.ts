/**
 * The bridge between a function's isolate and the Workflow engine for one durable run: an
 * RpcTarget created inside the Workflow's run() and passed to the isolate's invoke(). Each
 * ctx.step becomes a Workflow step (memoized, retried by policy), ctx.sleep a durable sleep and
 * ctx.waitForEvent a durable wait; every attempt is recorded in the job's Durable Object.
 */
import { RpcTarget, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import type { JobDO } from "../../durable-objects/job.do";
import type { JobParams, LiveStep } from "../lib/contracts/jobs";
import type { RunStatus } from "../lib/contracts/runs";
import { jsonPreview } from "../lib/domain/json-text";
import { type Redactor, redactLogs, redactSpans, redactStep } from "../lib/domain/redact";
import { capText, parseLog, TRACE_LIMITS } from "../lib/domain/trace-caps";
import type { Db } from "../lib/infra/db/functions.repo";
import { setRunStatus } from "../lib/infra/db/runs.repo";
import type { ReceivedEvent, StepAttempt, StepOptions } from "../runtime/isolate/kiln";
import type { StepSpans } from "../runtime/run-channel";

const DEFAULT_EVENT_TIMEOUT_MS = 24 * 3_600_000;

/** The engine aborts a run() it is about to replay; its wording in production is unverified (notes §12). */
export function isEngineAbort(error: unknown): boolean {
  return error instanceof Error && /^Aborting engine/i.test(error.message);
}

const toArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export class JobDriver extends RpcTarget {
  /** Set once the engine aborted this run(): every later call is refused (notes §12). */
  aborted: unknown = null;
  /** Why the guard refused to go on, when it did: the run ends with this status. */
  stopped: "timed_out" | "cancelled" | null = null;
  /** The last step that failed for good, and whether it asked not to be retried. */
  lastFailure: { step: string; nonRetriable: boolean } | null = null;

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
          await this.record({ ...base, status: "succeeded", endedAt: startedAt, output: jsonPreview(value) }, { value });
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
          { ...base, status: "succeeded", endedAt: Date.now(), output: jsonPreview(result.value) },
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
      await this.record({ ...base, status: "succeeded", endedAt: Date.now(), error: null, output: jsonPreview(event.payload) });
      return { type: event.type, payload: event.payload, timestamp: new Date(event.timestamp).toISOString() };
    } catch (error) {
      if (this.aborted) throw error;
      const message = `no "${type}" event arrived in time`;
      await this.setStatus("running");
      await this.record({ ...base, status: "failed", endedAt: Date.now(), error: message });
      throw new Error(message);
    }
  }
}
