/**
 * The trace waterfall: steps, outbound calls and child runs (ctx.invoke) as bars, logs as lines;
 * the calls and logs of a step nested under it, its retries grouped with it (with the back-off
 * between attempts); each row expands. The time axis zooms (in, out, fit, or to one step). A child
 * row opens the child's own waterfall (fetched when opened), so the whole tree of runs can be
 * walked; its id links to its run page.
 */
import { useState } from "preact/hooks";
import { api, type ChildRun } from "../api";
import { duration } from "../lib/format";
import { barIn, buildTimeline, type PlacedRow, type Row, type TimeWindow, type TraceSource, zoomWindow } from "../lib/timeline";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";
import { PayloadView } from "./payload-view";
import { ErrorBox, Loading } from "./states";
import { StatusBadge } from "./status-badge";

function label(row: Row): string {
  if (row.kind === "child") return `↳ ${row.child.function}`;
  if (row.kind === "step") return row.step.name;
  if (row.kind === "span") return `${row.span.method} ${row.span.host}${row.span.path}`;
  return row.log.message;
}

function hasDetail(row: Row): boolean {
  if (row.kind === "child") return true;
  if (row.kind === "step") return row.step.output !== null || row.step.error !== null;
  if (row.kind === "span") return row.span.error !== null;
  return row.log.data !== null;
}

/** A child run's own trace, loaded when its row is opened. */
function ChildTrace({ child }: { child: ChildRun }) {
  const { data, error, reload } = useAsync(() => api.run(child.id), [child.id]);
  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  return (
    <div class="row-detail child-trace" data-testid={`child-trace-${child.id}`}>
      <p class="small">
        <Link href={`/runs/${child.id}`}>Open the run page of {child.function}</Link> ({child.trigger}, {duration(child.durationMs)})
      </p>
      {data.error && <pre class="error-text">{data.error.message}</pre>}
      <Waterfall run={data} />
    </div>
  );
}

function Detail({ runId, row, zoomTo }: { runId: string; row: Row; zoomTo: (row: Row) => void }) {
  if (row.kind === "child") return <ChildTrace child={row.child} />;
  if (row.kind === "step") {
    return (
      <div class="row-detail">
        <button type="button" class="link small" onClick={() => zoomTo(row)}>
          Zoom to this step
        </button>
        {row.step.error && <pre class="error-text">{row.step.error}</pre>}
        {row.step.output !== null && (
          <>
            <h4>Output</h4>
            <PayloadView value={row.step.output} text load={() => api.stepResult(runId, row.index)} />
          </>
        )}
      </div>
    );
  }
  if (row.kind === "span") return <pre class="row-detail error-text">{row.span.error}</pre>;
  return <pre class="row-detail">{JSON.stringify(row.log.data, null, 2)}</pre>;
}

function Meta({ row, end }: { row: PlacedRow; end: number | null }) {
  if (row.kind === "child") {
    return (
      <>
        <span class="kind">run</span>
        <code class="small">{row.child.id}</code>
        <StatusBadge status={row.child.status} />
        <span class="muted small">{end === null ? "running" : duration(end - row.at)}</span>
      </>
    );
  }
  if (row.kind === "step") {
    return (
      <>
        <span class="kind">{row.step.kind}</span>
        <StatusBadge status={row.step.status} />
        {row.step.attempt > 1 && (
          <span class="muted small">
            attempt {row.step.attempt}
            {row.backoffMs !== null && `, after ${duration(row.backoffMs)} back-off`}
          </span>
        )}
        <span class="muted small">{end === null ? "running" : duration(end - row.at)}</span>
      </>
    );
  }
  if (row.kind === "span") {
    return (
      <>
        <span class="kind">fetch</span>
        <span class={`badge ${row.span.error || row.span.status >= 400 ? "status-failed" : "status-succeeded"}`}>
          {row.span.error ? "error" : row.span.status}
        </span>
        <span class="muted small">{duration(row.span.durationMs)}</span>
      </>
    );
  }
  return <span class={`badge level-${row.log.level}`}>{row.log.level}</span>;
}

function hasDetailOrZoom(row: Row): boolean {
  return hasDetail(row) || row.kind === "step";
}

const fmtWindow = (w: TimeWindow, total: number) =>
  w.from === 0 && w.to === total ? `whole run, ${duration(total)}` : `+${duration(w.from)} – +${duration(w.to)} of ${duration(total)}`;

export function Waterfall({ run }: { run: TraceSource }) {
  const { rows, origin, total } = buildTimeline(run);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [zoom, setZoom] = useState<TimeWindow | null>(null);
  const view = zoom ?? { from: 0, to: total };
  const toggle = (key: string) => {
    const next = new Set(open);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setOpen(next);
  };
  const zoomTo = (row: Row) => {
    const end = row.kind === "log" ? row.at : (row.end ?? origin + total);
    const pad = Math.max(1, (end - row.at) * 0.05);
    setZoom({ from: Math.max(0, row.at - origin - pad), to: Math.min(total, end - origin + pad) });
  };
  if (rows.length === 0) return <p class="muted">This run recorded no steps, outbound calls or logs.</p>;

  return (
    <div class="waterfall-wrap">
      <fieldset class="wf-zoom">
        <legend class="sr-only">Time axis</legend>
        <button type="button" onClick={() => setZoom(zoomWindow(view, total, 0.5))} disabled={view.to - view.from <= 1}>
          Zoom in
        </button>
        <button type="button" onClick={() => setZoom(zoomWindow(view, total, 2))} disabled={zoom === null}>
          Zoom out
        </button>
        <button type="button" onClick={() => setZoom(null)} disabled={zoom === null}>
          Fit
        </button>
        <span class="muted small" data-testid="wf-window">
          {fmtWindow(view, total)}
        </span>
      </fieldset>
      <ol class="waterfall" aria-label="Trace">
        {rows.map((row) => {
          const end = row.kind === "log" ? row.at : row.end;
          const bar = barIn(view, row.at - origin, end === null ? null : end - origin);
          const expandable = hasDetailOrZoom(row);
          const head = (
            <>
              <span class="offset">+{duration(row.at - origin)}</span>
              <span class={`name ${row.kind}`}>
                {row.kind === "log" && row.log.step && row.depth === 0 ? <span class="muted small">{row.log.step} › </span> : null}
                {label(row)}
              </span>
              <span class="meta">
                <Meta row={row} end={end} />
              </span>
            </>
          );
          return (
            <li
              key={row.key}
              class={`wf-row ${row.kind} depth-${row.depth}`}
              data-depth={row.depth}
              data-testid={row.kind === "child" ? `child-row-${row.child.id}` : undefined}
            >
              {expandable ? (
                <button type="button" class="wf-head" aria-expanded={open.has(row.key)} onClick={() => toggle(row.key)}>
                  {head}
                </button>
              ) : (
                <div class="wf-head">{head}</div>
              )}
              <div class="track" aria-hidden="true">
                {row.kind === "log" ? (
                  <span class={`tick level-${row.log.level}`} style={{ left: `${bar.left}%` }} />
                ) : (
                  <span
                    class={`bar ${row.kind === "step" ? `status-${row.step.status}` : row.kind === "child" ? `status-${row.child.status}` : "span"}`}
                    style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
                  />
                )}
              </div>
              {expandable && open.has(row.key) && <Detail runId={run.id} row={row} zoomTo={zoomTo} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
