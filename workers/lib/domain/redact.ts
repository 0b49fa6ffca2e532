/**
 * Redaction of granted secret values from everything a run leaves behind (output, error, logs,
 * step results, spans): each occurrence becomes `[redacted:NAME]` before it is stored or returned.
 * Values shorter than MIN_REDACTED_CHARS are not searched for (they would match ordinary text);
 * encodings Kiln cannot know (base64, hashes, split strings) are not caught. Pure.
 */
import type { LogRecord, SpanRecord, StepRecord, Trace } from "../contracts/runs";

export const MIN_REDACTED_CHARS = 4;

export interface Redactor {
  /** Text with every secret value (raw or JSON-escaped) replaced. */
  text(value: string): string;
  /** JSON text with secret values replaced inside its strings, numbers and keys; stays valid JSON. */
  json(text: string): string;
}

const marker = (name: string) => `[redacted:${name}]`;

/** A redactor for these values, or null when there is nothing to redact. */
export function redactorFor(secrets: Readonly<Record<string, string>>): Redactor | null {
  const needles: [string, string][] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (value.length < MIN_REDACTED_CHARS) continue;
    needles.push([value, marker(name)]);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) needles.push([escaped, marker(name)]);
  }
  if (needles.length === 0) return null;
  // Longest first, so a secret that contains another is replaced whole.
  needles.sort((a, b) => b[0].length - a[0].length);
  const text = (value: string): string => {
    let out = value;
    for (const [needle, replacement] of needles) if (out.includes(needle)) out = out.replaceAll(needle, replacement);
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (typeof value === "number") {
      const redacted = text(String(value));
      return redacted === String(value) ? value : redacted;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), walk(v)]));
    }
    return value;
  };
  return {
    text,
    json(jsonText) {
      if (text(jsonText) === jsonText) return jsonText;
      try {
        return JSON.stringify(walk(JSON.parse(jsonText)));
      } catch {
        // Not JSON (a preview cut short): plain replacement is the best that can be done.
        return text(jsonText);
      }
    },
  };
}

/** A run error with its message redacted. */
export function redactError<E extends { message: string }>(error: E, r: Redactor): E {
  return { ...error, message: r.text(error.message) };
}

/** A step record with its name, output preview and error redacted. */
export function redactStep<S extends StepRecord>(step: S, r: Redactor): S {
  const output = step.output === null ? null : r.json(step.output);
  return { ...step, name: r.text(step.name), output, error: step.error === null ? null : r.text(step.error) };
}

export function redactLogs(logs: LogRecord[], r: Redactor): LogRecord[] {
  return logs.map((l) => ({ ...l, message: r.text(l.message), data: l.data === null ? null : r.json(l.data) }));
}

/** Spans with their paths and errors redacted (hosts are not secret). */
export function redactSpans(spans: SpanRecord[], r: Redactor): SpanRecord[] {
  return spans.map((s) => ({ ...s, path: r.text(s.path), error: s.error === null ? null : r.text(s.error) }));
}

export function redactTrace(trace: Trace, r: Redactor): Trace {
  return { steps: trace.steps.map((s) => redactStep(s, r)), logs: redactLogs(trace.logs, r), spans: redactSpans(trace.spans, r) };
}
