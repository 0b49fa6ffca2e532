/**
 * The caps on what a run's trace may hold, and the lenient parser that applies them to whatever
 * a function's isolate sent back. Nothing from an isolate is trusted (a function can patch the
 * SDK that recorded it): every field is coerced to its type or replaced, every text is cut, and
 * the run keeps a bounded number of records, with a marker saying what was dropped. One
 * function can therefore never make another run's record unstorable.
 * Pure; used by Kiln (tool calls, jobs) and by the `kiln` SDK inside isolates. Imports types only.
 */
import type { LogRecord, RunError, SpanRecord, StepRecord, Trace } from "../contracts/runs";

export const TRACE_LIMITS = {
  /** Characters of one log message, step error or run error message. */
  messageChars: 8 * 1024,
  /** Characters of a log line's data preview or a step's output preview. */
  dataChars: 8 * 1024,
  /** Characters of a step name, error name, host, path or method. */
  nameChars: 256,
  logLines: 1000,
  /** Characters of log messages and data in one run. */
  logChars: 256 * 1024,
  steps: 1000,
  spans: 1000,
} as const;

const LEVELS = ["debug", "info", "warn", "error"] as const;
const KINDS = ["step", "sleep", "wait"] as const;
const STEP_STATUSES = ["running", "succeeded", "failed", "sleeping", "waiting"] as const;

/** `text` cut to `max` characters, with a marker saying how much was cut. */
export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [kiln: ${text.length - max} characters truncated]`;
}

/** A string field from untrusted data: strings cut, numbers and booleans written out, anything else `fallback`. */
function text(value: unknown, max: number, fallback: string): string {
  if (typeof value === "string") return capText(value, max);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fallback;
}

function textOrNull(value: unknown, max: number): string | null {
  return value === null || value === undefined ? null : text(value, max, "[not text]");
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function parseLog(raw: unknown): LogRecord | null {
  const r = record(raw);
  if (!r) return null;
  return {
    level: oneOf(r.level, LEVELS, "info"),
    message: text(r.message, TRACE_LIMITS.messageChars, "[kiln: log message was not text]"),
    data: textOrNull(r.data, TRACE_LIMITS.dataChars),
    step: textOrNull(r.step, TRACE_LIMITS.nameChars),
    at: num(r.at, 0),
  };
}

export function parseStep(raw: unknown): StepRecord | null {
  const r = record(raw);
  if (!r) return null;
  return {
    name: text(r.name, TRACE_LIMITS.nameChars, "[kiln: step name was not text]"),
    kind: oneOf(r.kind, KINDS, "step"),
    status: oneOf(r.status, STEP_STATUSES, "failed"),
    attempt: Math.trunc(num(r.attempt, 1)),
    startedAt: num(r.startedAt, 0),
    endedAt: r.endedAt === null ? null : num(r.endedAt, 0),
    error: textOrNull(r.error, TRACE_LIMITS.messageChars),
    output: textOrNull(r.output, TRACE_LIMITS.dataChars),
  };
}

export function parseSpan(raw: unknown): SpanRecord | null {
  const r = record(raw);
  if (!r) return null;
  return {
    step: textOrNull(r.step, TRACE_LIMITS.nameChars),
    method: text(r.method, TRACE_LIMITS.nameChars, "?"),
    host: text(r.host, TRACE_LIMITS.nameChars, "?"),
    path: text(r.path, TRACE_LIMITS.nameChars, "?"),
    status: Math.trunc(num(r.status, 0)),
    startedAt: num(r.startedAt, 0),
    durationMs: Math.max(0, num(r.durationMs, 0)),
    error: textOrNull(r.error, TRACE_LIMITS.messageChars),
  };
}

/** A run error from untrusted data, its texts capped. */
export function parseRunError(raw: unknown, fallbackName = "Error"): RunError {
  const r = record(raw) ?? {};
  return {
    message: text(r.message, TRACE_LIMITS.messageChars, "[kiln: error message was not text]"),
    name: text(r.name, TRACE_LIMITS.nameChars, fallbackName),
    step: textOrNull(r.step, TRACE_LIMITS.nameChars),
    retryable: r.retryable !== false,
  };
}

/** The line that says how many log lines a run lost to the caps. */
export function droppedLogsLine(dropped: number, at: number): LogRecord {
  const { logLines, logChars, messageChars } = TRACE_LIMITS;
  return {
    level: "warn",
    message: `[kiln] ${dropped} log lines dropped (a run keeps at most ${logLines} lines and ${logChars / 1024} KiB of log text; a line at most ${messageChars / 1024} KiB)`,
    data: null,
    step: null,
    at,
  };
}

const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Collects one run's trace within the caps, as it arrives (in batches from a running isolate, or
 * all at once): memory stays bounded however much a function sends.
 */
export class TraceCollector {
  private readonly logs: LogRecord[] = [];
  private readonly steps = new Map<number, StepRecord>();
  private readonly spans: SpanRecord[] = [];
  private logChars = 0;
  private droppedLogs = 0;
  private droppedSpans = 0;

  addLogs(raw: unknown, droppedElsewhere: unknown = 0): void {
    this.droppedLogs += Math.max(0, Math.trunc(num(droppedElsewhere, 0)));
    for (const entry of items(raw)) {
      const line = parseLog(entry);
      if (!line) continue;
      const size = line.message.length + (line.data?.length ?? 0);
      if (this.logs.length >= TRACE_LIMITS.logLines || this.logChars + size > TRACE_LIMITS.logChars) {
        this.droppedLogs++;
        continue;
      }
      this.logChars += size;
      this.logs.push(line);
    }
  }

  /** Steps are sent again as they change: each entry is `[index, record]`, the index fixing its place. */
  putSteps(raw: unknown): void {
    for (const entry of items(raw)) {
      const [index, value] = Array.isArray(entry) ? entry : [this.steps.size, entry];
      if (!Number.isInteger(index) || index < 0 || index >= TRACE_LIMITS.steps) continue;
      if (!this.steps.has(index) && this.steps.size >= TRACE_LIMITS.steps) continue;
      const step = parseStep(value);
      if (step) this.steps.set(index, step);
    }
  }

  addSpans(raw: unknown): void {
    for (const entry of items(raw)) {
      const span = parseSpan(entry);
      if (!span) continue;
      if (this.spans.length >= TRACE_LIMITS.spans) this.droppedSpans++;
      else this.spans.push(span);
    }
  }

  /** How many records the caps have dropped so far. */
  get dropped(): { logs: number; spans: number } {
    return { logs: this.droppedLogs, spans: this.droppedSpans };
  }

  /** The trace so far; unless `markers` is false, a final log line marks what the caps dropped. */
  trace(now = 0, markers = true): Trace {
    const logs = [...this.logs];
    const last = logs.at(-1)?.at ?? now;
    if (markers && this.droppedLogs > 0) logs.push(droppedLogsLine(this.droppedLogs, last));
    if (markers && this.droppedSpans > 0) {
      logs.push({
        ...droppedLogsLine(0, last),
        message: `[kiln] ${this.droppedSpans} outbound-call spans dropped (a run keeps at most ${TRACE_LIMITS.spans})`,
      });
    }
    const steps = [...this.steps.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    return { steps, spans: [...this.spans], logs };
  }
}

/** A whole trace from untrusted data, parsed and capped. */
export function capTrace(raw: unknown): Trace {
  const r = record(raw) ?? {};
  const collector = new TraceCollector();
  collector.putSteps(items(r.steps).map((s, i) => [i, s]));
  collector.addSpans(r.spans);
  collector.addLogs(r.logs);
  return collector.trace();
}
