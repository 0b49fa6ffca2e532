/**
 * JobDO: the live state of one job (one object per run id): status, current step, every step
 * attempt, full step results (for replay from a failed step), a cancellation flag, and live
 * updates pushed to Server-Sent-Events subscribers until the job ends. Thin: storage + RPC.
 */
import { DurableObject } from "cloudflare:workers";
import type { JobState, LiveStep } from "../workers/lib/contracts/jobs";
import { type LogRecord, RunStatus, type SpanRecord, TERMINAL_STATUSES, type Trace } from "../workers/lib/contracts/runs";
import { droppedLogsLine, parseStep, TRACE_LIMITS, TraceCollector } from "../workers/lib/domain/trace-caps";
import { jobStateView } from "../workers/lib/domain/trace-view";

const encoder = new TextEncoder();
/** One SSE frame of the state as the API shows it (ISO times). */
const stateFrame = (state: JobState) => encoder.encode(`event: state\ndata: ${JSON.stringify(jobStateView(state))}\n\n`);
/** A comment line now and then keeps proxies and browsers from treating a quiet stream as dead. */
const KEEPALIVE_MS = 15_000;

export class JobDO extends DurableObject<Env> {
  private readonly subscribers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private keepalive: ReturnType<typeof setInterval> | null = null;

  private send(writer: WritableStreamDefaultWriter<Uint8Array>, frame: Uint8Array): void {
    writer.write(frame).catch(() => this.drop(writer));
  }

  private drop(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.subscribers.delete(writer);
    writer.close().catch(() => {});
    if (this.subscribers.size === 0 && this.keepalive !== null) {
      clearInterval(this.keepalive);
      this.keepalive = null;
    }
  }

  private read(): JobState | undefined {
    return this.ctx.storage.kv.get<JobState>("state");
  }

  private write(state: JobState): JobState {
    const next = { ...state, updatedAt: Date.now() };
    this.ctx.storage.kv.put("state", next);
    this.broadcast(next);
    return next;
  }

  private broadcast(state: JobState): void {
    const frame = stateFrame(state);
    const done = TERMINAL_STATUSES.includes(state.status);
    for (const writer of this.subscribers) {
      this.send(writer, frame);
      if (done) this.drop(writer);
    }
  }

  /** Creates the state once; later calls (queue redelivery, replays) keep what is there. */
  init(runId: string, status: RunStatus): JobState {
    return this.read() ?? this.write({ runId, status, currentStep: null, waitingFor: null, steps: [], updatedAt: Date.now() });
  }

  /**
   * The run's start, the first time run() calls it; the same answer on every replay of run() (the
   * job's deadline must not move when the engine replays it). Moves a queued job to running.
   */
  begin(runId: string, now: number, timeoutMs: number): { startedAt: number; deadline: number } {
    const kv = this.ctx.storage.kv;
    const known = kv.get<{ startedAt: number; deadline: number }>("start");
    if (known) return known;
    const start = { startedAt: now, deadline: now + timeoutMs };
    kv.put("start", start);
    const state = this.init(runId, "running");
    if (state.status === "queued") this.setStatus("running");
    return start;
  }

  snapshot(): JobState | null {
    return this.read() ?? null;
  }

  isCancelled(): boolean {
    return this.read()?.status === "cancelled";
  }

  /** Moves to a new status unless the job already ended (a cancelled job stays cancelled). */
  setStatus(status: RunStatus, waitingFor: string | null = null): JobState | null {
    const state = this.read();
    if (!state || TERMINAL_STATUSES.includes(state.status)) return state ?? null;
    return this.write({
      ...state,
      status: RunStatus.parse(status),
      waitingFor,
      currentStep: TERMINAL_STATUSES.includes(status) ? null : state.currentStep,
    });
  }

  /**
   * Records a step attempt starting (status running) or ending (its final record, with the
   * attempt's logs and spans: kept here because a replayed run() does not run the step again).
   */
  recordStep(step: LiveStep, result?: { value: unknown }, attemptTrace?: { logs: unknown; spans: unknown }): void {
    const state = this.read();
    // Names, errors and logs come from the function's isolate: parsed and capped (trace-caps.ts).
    const parsed = parseStep(step);
    if (!state || !parsed) return;
    // Sleeps and waits are re-entered on every replay of run(): one record each, kept once ended.
    const durable = parsed.kind !== "step";
    const index = state.steps.findLastIndex((s) =>
      durable
        ? s.name === parsed.name && s.kind === parsed.kind
        : s.name === parsed.name && s.attempt === parsed.attempt && s.endedAt === null,
    );
    if (durable && index >= 0 && state.steps[index]?.endedAt !== null) return;
    if (index < 0 && state.steps.length >= TRACE_LIMITS.steps) return;
    const steps = index >= 0 ? state.steps.with(index, parsed) : [...state.steps, parsed];
    const live = parsed.endedAt === null;
    this.write({ ...state, steps, currentStep: live ? parsed.name : null, status: state.status === "queued" ? "running" : state.status });
    if (result) this.ctx.storage.kv.put(`result:${parsed.name}`, result.value);
    if (attemptTrace) this.appendTrace(attemptTrace);
  }

  /** Adds an attempt's logs and spans within the run's caps, counting what they drop. */
  private appendTrace(attempt: { logs: unknown; spans: unknown }): void {
    const kv = this.ctx.storage.kv;
    const collector = new TraceCollector();
    collector.addLogs(kv.get<LogRecord[]>("logs") ?? []);
    collector.addSpans(kv.get<SpanRecord[]>("spans") ?? []);
    collector.addLogs(attempt.logs);
    collector.addSpans(attempt.spans);
    const { logs, spans } = collector.trace(0, false);
    kv.put("logs", logs);
    kv.put("spans", spans);
    const dropped = collector.dropped.logs;
    if (dropped > 0) kv.put("dropped", (kv.get<number>("dropped") ?? 0) + dropped);
  }

  /**
   * Remembers when a durable sleep is due to end, or a wait for an event to time out. Only the
   * first entry counts: a replayed run() enters the same sleep or wait again later, and the engine
   * still ends it at the first time.
   */
  noteWake(kind: "sleep" | "wait", name: string, wakeAt: number): void {
    const key = `wake:${kind}:${name}`;
    if (this.ctx.storage.kv.get<number>(key) === undefined) this.ctx.storage.kv.put(key, wakeAt);
  }

  /**
   * Whether the job is still in a sleep (or a wait) that should have ended before `before`: the
   * local Workflows engine keeps no alarm for them across a restart (README, Development), so the
   * per-minute sweep nudges such instances.
   */
  overdueTimer(before: number): boolean {
    const state = this.read();
    if (!state || TERMINAL_STATUSES.includes(state.status)) return false;
    return state.steps.some((s) => {
      if (s.kind === "step" || s.endedAt !== null) return false;
      const wakeAt = this.ctx.storage.kv.get<number>(`wake:${s.kind}:${s.name}`);
      return wakeAt !== undefined && wakeAt < before;
    });
  }

  /** Everything recorded for the run's trace: step attempts, and the logs and spans made inside steps. */
  recordedTrace(): Trace {
    const logs = this.ctx.storage.kv.get<LogRecord[]>("logs") ?? [];
    const dropped = this.ctx.storage.kv.get<number>("dropped") ?? 0;
    return {
      steps: this.read()?.steps ?? [],
      logs: dropped > 0 ? [...logs, droppedLogsLine(dropped, logs.at(-1)?.at ?? 0)] : logs,
      spans: this.ctx.storage.kv.get<SpanRecord[]>("spans") ?? [],
    };
  }

  /** Results of the steps that succeeded, by name (for a replay from the failed step). */
  stepResults(): Record<string, unknown> {
    return this.byName("result:");
  }

  /** Keeps the step results a replay from the failed step reuses (by name; the same on every call). */
  adopt(results: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(results)) this.ctx.storage.kv.put(`reuse:${name}`, value);
  }

  /** The results adopt() kept, by step name. */
  reusable(): Record<string, unknown> {
    return this.byName("reuse:");
  }

  /** The values stored under `prefix`, by the rest of their key. */
  private byName(prefix: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of this.ctx.storage.kv.list({ prefix })) out[key.slice(prefix.length)] = value;
    return out;
  }

  /**
   * Keeps a child job's whole output (JSON text) for the parent that invoked it: D1 keeps only a
   * preview of a large output, and a Workflow event carries less than a run may return.
   */
  keepOutput(output: string): void {
    this.ctx.storage.kv.put("output", output);
  }

  /** The output kept by keepOutput, if any. */
  keptOutput(): string | null {
    return this.ctx.storage.kv.get<string>("output") ?? null;
  }

  /**
   * Deletes everything this job kept (state, step results, logs, spans, output): its run is being
   * deleted by retention, and a copy here would outlive it. Open streams end.
   */
  async forget(): Promise<void> {
    for (const writer of [...this.subscribers]) this.drop(writer);
    await this.ctx.storage.deleteAll();
  }

  /** A stream of `state` events: the current state at once, then every change until the end. */
  override fetch(): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const state = this.read();
    if (state) {
      writer.write(stateFrame(state)).catch(() => {});
    }
    if (state && TERMINAL_STATUSES.includes(state.status)) writer.close().catch(() => {});
    else {
      this.subscribers.add(writer);
      const ping = encoder.encode(": keep-alive\n\n");
      this.keepalive ??= setInterval(() => {
        for (const w of this.subscribers) this.send(w, ping);
      }, KEEPALIVE_MS);
    }
    return new Response(readable, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" },
    });
  }
}
