/**
 * A stored trace (epoch-millisecond times, log data as JSON text) → the API's shapes: ISO times,
 * durations in ms, log data as the JSON value itself. Used by the HTTP routes and by JobDO's stream.
 * Pure; imports types only.
 */
import type { JobState, JobStateView } from "../contracts/jobs";
import type { LogRecord, LogView, SpanRecord, SpanView, StepRecord, StepView, Trace } from "../contracts/runs";

// The largest time Date accepts: a patched SDK can report any finite number, and
// toISOString() throws beyond it, which would make the whole run unreadable.
const MAX_DATE_MS = 8.64e15;

/** Epoch milliseconds as an ISO string; a number outside Date's range reads as the epoch itself. */
export function isoOf(ms: number): string {
  return new Date(Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : 0).toISOString();
}

/**
 * A log line's stored data as a JSON value. The caps cut long previews mid-document (and the
 * SDK marks unserializable values in text), so what no longer parses becomes a marker object:
 * a reader always gets valid JSON, never a broken string.
 */
export function logDataValue(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { truncated: true, preview: text };
  }
}

export function stepView(s: StepRecord): StepView {
  return {
    ...s,
    startedAt: isoOf(s.startedAt),
    endedAt: s.endedAt === null ? null : isoOf(s.endedAt),
    durationMs: s.endedAt === null ? null : Math.max(0, s.endedAt - s.startedAt),
  };
}

export const spanView = (s: SpanRecord): SpanView => ({ ...s, startedAt: isoOf(s.startedAt) });

export const logView = (l: LogRecord): LogView => ({ ...l, data: logDataValue(l.data), at: isoOf(l.at) });

export function traceView(t: Trace): { steps: StepView[]; spans: SpanView[]; logs: LogView[] } {
  return { steps: t.steps.map(stepView), spans: t.spans.map(spanView), logs: t.logs.map(logView) };
}

export const jobStateView = (s: JobState): JobStateView => ({ ...s, steps: s.steps.map(stepView), updatedAt: isoOf(s.updatedAt) });
