/**
 * Turns a run's steps, outbound spans, logs and child runs (ctx.invoke) into one time-ordered list
 * of rows for the waterfall, with offsets from the run's start. Pure.
 */
import type { ChildRun, RunDetail } from "../api";

/** What the waterfall draws: a run's trace, and its children when the API lists them (run detail, not live jobs). */
export type TraceSource = Pick<RunDetail, "steps" | "spans" | "logs" | "startedAt" | "endedAt" | "createdAt"> & {
  children?: ChildRun[];
};

export type Row =
  | { kind: "child"; key: string; at: number; end: number | null; child: ChildRun }
  | { kind: "step"; key: string; at: number; end: number | null; step: RunDetail["steps"][number] }
  | { kind: "span"; key: string; at: number; end: number; span: RunDetail["spans"][number] }
  | { kind: "log"; key: string; at: number; log: RunDetail["logs"][number] };

export interface Timeline {
  rows: Row[];
  /** Epoch ms that offsets are measured from. */
  origin: number;
  /** Total width of the waterfall in ms (at least 1). */
  total: number;
}

/**
 * Order within one millisecond (the isolate's clock only moves on I/O, so ties are common):
 * a log outside any step first, then a step, the calls it made, and the logs written inside it.
 */
function rank(row: Row): number {
  if (row.kind === "log") return row.log.step === null ? 0 : 3;
  if (row.kind === "child") return 4;
  return row.kind === "step" ? 1 : 2;
}

export function buildTimeline(run: TraceSource, now = Date.now()): Timeline {
  const rows: Row[] = [
    ...(run.children ?? []).map(
      (child): Row => ({
        kind: "child",
        key: `child-${child.id}`,
        at: Date.parse(child.startedAt ?? child.createdAt),
        end: child.endedAt === null ? null : Date.parse(child.endedAt),
        child,
      }),
    ),
    ...run.steps.map(
      (step, i): Row => ({
        kind: "step",
        key: `step-${i}`,
        at: Date.parse(step.startedAt),
        end: step.endedAt === null ? null : Date.parse(step.endedAt),
        step,
      }),
    ),
    ...run.spans.map((span, i): Row => {
      const at = Date.parse(span.startedAt);
      return { kind: "span", key: `span-${i}`, at, end: at + span.durationMs, span };
    }),
    ...run.logs.map((log, i): Row => ({ kind: "log", key: `log-${i}`, at: Date.parse(log.at), log })),
  ];
  rows.sort((a, b) => a.at - b.at || rank(a) - rank(b));
  const started = run.startedAt ? Date.parse(run.startedAt) : Date.parse(run.createdAt);
  const origin = Math.min(started, ...rows.map((r) => r.at));
  const ended = run.endedAt ? Date.parse(run.endedAt) : now;
  const ends = rows.map((r) => (r.kind === "log" ? r.at : (r.end ?? ended)));
  const total = Math.max(1, ended - origin, ...ends.map((e) => e - origin));
  return { rows, origin, total };
}
