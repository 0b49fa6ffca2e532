/**
 * Turns a run's steps, outbound spans, logs and child runs (ctx.invoke) into the waterfall's rows:
 * each step with the calls and logs made inside it nested under it, its retries grouped with it,
 * with offsets from the run's start; and the window of the time axis when zoomed. Pure.
 */
import type { ChildRun, RunDetail } from "../api";

/** What the waterfall draws: a run's trace, and its children when the API lists them (run detail, not live jobs). */
export type TraceSource = Pick<RunDetail, "id" | "steps" | "spans" | "logs" | "startedAt" | "endedAt" | "createdAt"> & {
  children?: ChildRun[];
};

export type Row =
  | { kind: "child"; key: string; at: number; end: number | null; child: ChildRun }
  | { kind: "step"; key: string; at: number; end: number | null; step: RunDetail["steps"][number]; index: number }
  | { kind: "span"; key: string; at: number; end: number; span: RunDetail["spans"][number] }
  | { kind: "log"; key: string; at: number; log: RunDetail["logs"][number] };

/** A row where the waterfall shows it: nested under its step (1) or under a retry of it (2). */
export type PlacedRow = Row & {
  depth: 0 | 1 | 2;
  /** A retry: the time between the previous attempt's end and this one's start. */
  backoffMs: number | null;
};

export interface Timeline {
  rows: PlacedRow[];
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

const byTime = (a: Row, b: Row) => a.at - b.at || rank(a) - rank(b);

type StepRow = Extract<Row, { kind: "step" }>;

/** The attempt a call or log belongs to: the last attempt of its step that started by then (else the first). */
function ownerOf(attempts: Map<string, StepRow[]>, step: string | null, at: number): StepRow | null {
  const list = step === null ? undefined : attempts.get(step);
  if (!list) return null;
  return list.findLast((a) => a.at <= at) ?? list[0] ?? null;
}

/**
 * Steps at the top, each followed by the calls and logs made inside it, then its retries (with the
 * back-off before each) and theirs. Child runs and what no step claims stay at the top, in time order.
 */
function place(rows: Row[]): PlacedRow[] {
  const attempts = new Map<string, StepRow[]>();
  for (const r of rows) if (r.kind === "step") attempts.set(r.step.name, [...(attempts.get(r.step.name) ?? []), r]);
  const inside = new Map<string, Row[]>();
  const top: Row[] = [];
  for (const r of rows) {
    if (r.kind === "step") {
      if (attempts.get(r.step.name)?.[0] === r) top.push(r);
      continue;
    }
    const owner = r.kind === "span" ? ownerOf(attempts, r.span.step, r.at) : r.kind === "log" ? ownerOf(attempts, r.log.step, r.at) : null;
    if (owner) inside.set(owner.key, [...(inside.get(owner.key) ?? []), r]);
    else top.push(r);
  }
  const out: PlacedRow[] = [];
  for (const r of top.sort(byTime)) {
    out.push({ ...r, depth: 0, backoffMs: null });
    if (r.kind !== "step") continue;
    const list = attempts.get(r.step.name) ?? [];
    list.forEach((attempt, i) => {
      const before = list[i - 1];
      if (before) out.push({ ...attempt, depth: 1, backoffMs: Math.max(0, attempt.at - (before.end ?? before.at)) });
      for (const c of (inside.get(attempt.key) ?? []).sort(byTime)) out.push({ ...c, depth: i === 0 ? 1 : 2, backoffMs: null });
    });
  }
  return out;
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
        index: i,
      }),
    ),
    ...run.spans.map((span, i): Row => {
      const at = Date.parse(span.startedAt);
      return { kind: "span", key: `span-${i}`, at, end: at + span.durationMs, span };
    }),
    ...run.logs.map((log, i): Row => ({ kind: "log", key: `log-${i}`, at: Date.parse(log.at), log })),
  ];
  rows.sort(byTime);
  const started = run.startedAt ? Date.parse(run.startedAt) : Date.parse(run.createdAt);
  const origin = Math.min(started, ...rows.map((r) => r.at));
  const ended = run.endedAt ? Date.parse(run.endedAt) : now;
  const ends = rows.map((r) => (r.kind === "log" ? r.at : (r.end ?? ended)));
  const total = Math.max(1, ended - origin, ...ends.map((e) => e - origin));
  return { rows: place(rows), origin, total };
}

/** The part of the time axis shown, in ms from the origin. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** The window `factor` times as wide (½ zooms in, 2 out) around `center`, kept within [0, total]. */
export function zoomWindow(w: TimeWindow, total: number, factor: number, center = (w.from + w.to) / 2): TimeWindow {
  const width = Math.min(total, Math.max(1, (w.to - w.from) * factor));
  const from = Math.min(Math.max(0, center - width / 2), total - width);
  return { from, to: from + width };
}

/**
 * Where a bar from `at` to `end` (ms from the origin; null: still running) sits in the window, as
 * percentages; a bar outside it is clipped to a sliver at the edge it lies past.
 */
export function barIn(w: TimeWindow, at: number, end: number | null): { left: number; width: number } {
  const span = w.to - w.from;
  const pct = (t: number) => Math.min(100, Math.max(0, ((t - w.from) / span) * 100));
  const left = pct(at);
  const right = end === null ? 100 : pct(end);
  return { left: Math.min(left, 99.5), width: Math.max(0.5, right - left) };
}
