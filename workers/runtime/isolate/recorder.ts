/**
 * Inside a function's isolate: records one run's log lines and step records and sends them to
 * Kiln through the run's channel (an RpcTarget, workers/runtime/run-channel.ts) in batches: at
 * each step's end, on a short timer, and before the run returns. Whatever was sent survives a
 * timeout or a crash of the run. Applies the caps of trace-caps.ts here too, so that no batch
 * grows large (Kiln applies them again: this code runs in the user's isolate and is not trusted).
 * Bundled into the `kiln` module; imports only lib/domain and lib/contracts types.
 */
import type { LogRecord, StepRecord } from "../../lib/contracts/runs";
import { TRACE_LIMITS } from "../../lib/domain/trace-caps";

/** The answer to a synchronous ctx.invoke (a tool call calling another function). */
export type ChannelInvokeAnswer = { ok: true; output: string; runId: string } | { ok: false; message: string; retryable: boolean };

/** What the isolate sees of the run's channel. */
export interface RunChannelStub {
  record(batch: { logs: LogRecord[]; steps: [number, StepRecord][]; droppedLogs: number }): unknown;
  fetch(request: Request, step: string | null): Promise<Response>;
  invoke(name: string, input: unknown, timeoutMs: number | null): Promise<ChannelInvokeAnswer>;
}

/** How long a log line may wait before it is sent (steps' ends are sent at once). */
const FLUSH_DELAY_MS = 100;

const NO_CHANNEL: RunChannelStub = {
  record: () => undefined,
  fetch: () => Promise.reject(new Error("fetch() needs a run: this isolate was not given a channel")),
  invoke: () => Promise.reject(new Error("ctx.invoke() needs a run: this isolate was not given a channel")),
};

export class RunRecorder {
  private logs: LogRecord[] = [];
  private readonly changed = new Map<number, StepRecord>();
  private steps = 0;
  private lines: number = TRACE_LIMITS.logLines;
  private chars: number = TRACE_LIMITS.logChars;
  private dropped = 0;
  private sentDropped = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  readonly channel: RunChannelStub;

  constructor(channel: RunChannelStub | undefined) {
    this.channel = channel ?? NO_CHANNEL;
  }

  /** True when the run may log no more lines (the line is counted as dropped): checked before building it. */
  full(): boolean {
    if (this.lines > 0) return false;
    this.dropped++;
    return true;
  }

  /** Counts a line of `size` characters against the run's caps; false when it must be dropped. */
  admit(size: number): boolean {
    if (this.lines <= 0 || size > this.chars) {
      this.dropped++;
      return false;
    }
    this.lines--;
    this.chars -= size;
    return true;
  }

  /** A log line of the run itself (a durable step's lines travel with its attempt instead). */
  log(line: LogRecord): void {
    this.logs.push(line);
    this.soon();
  }

  /** Registers a step record; call the returned function each time the record changes. */
  step(record: StepRecord): () => void {
    if (this.steps >= TRACE_LIMITS.steps) return () => {};
    const index = this.steps++;
    const touch = () => {
      this.changed.set(index, record);
      this.soon();
    };
    touch();
    return touch;
  }

  private soon(): void {
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Sends what is pending, if anything; never rejects (a lost batch must not fail the run). */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.logs.length === 0 && this.changed.size === 0 && this.dropped === this.sentDropped) return Promise.resolve();
    const batch = {
      logs: this.logs,
      steps: [...this.changed].map(([i, r]): [number, StepRecord] => [i, { ...r }]),
      droppedLogs: this.dropped - this.sentDropped,
    };
    this.logs = [];
    this.changed.clear();
    this.sentDropped = this.dropped;
    return Promise.resolve()
      .then(() => this.channel.record(batch))
      .then(
        () => undefined,
        () => undefined,
      );
  }
}
