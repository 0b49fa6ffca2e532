/**
 * The trace waterfall: steps, outbound calls and child runs (ctx.invoke) as bars, logs as lines,
 * all in time order; each row expands. A child row opens the child's own waterfall (fetched when
 * opened), so the whole tree of runs can be walked; its id links to its run page.
 */
import { useState } from "preact/hooks";
import { api, type ChildRun } from "../api";
import { duration, prettyText } from "../lib/format";
import { buildTimeline, type Row, type TraceSource } from "../lib/timeline";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";
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

function Detail({ row }: { row: Row }) {
  if (row.kind === "child") return <ChildTrace child={row.child} />;
  if (row.kind === "step") {
    return (
      <div class="row-detail">
        {row.step.error && <pre class="error-text">{row.step.error}</pre>}
        {row.step.output !== null && (
          <>
            <h4>Output</h4>
            <pre>{prettyText(row.step.output)}</pre>
          </>
        )}
      </div>
    );
  }
  if (row.kind === "span") return <pre class="row-detail error-text">{row.span.error}</pre>;
  return <pre class="row-detail">{JSON.stringify(row.log.data, null, 2)}</pre>;
}

function Meta({ row, end }: { row: Row; end: number | null }) {
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
        {row.step.attempt > 1 && <span class="muted small">attempt {row.step.attempt}</span>}
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

export function Waterfall({ run }: { run: TraceSource }) {
  const { rows, origin, total } = buildTimeline(run);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (key: string) => {
    const next = new Set(open);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setOpen(next);
  };
  if (rows.length === 0) return <p class="muted">This run recorded no steps, outbound calls or logs.</p>;

  return (
    <ol class="waterfall" aria-label="Trace">
      {rows.map((row) => {
        const end = row.kind === "log" ? row.at : row.end;
        const left = ((row.at - origin) / total) * 100;
        const width = end === null ? 100 - left : Math.max(0.5, ((end - row.at) / total) * 100);
        const expandable = hasDetail(row);
        const head = (
          <>
            <span class="offset">+{duration(row.at - origin)}</span>
            <span class={`name ${row.kind}`}>
              {row.kind === "log" && row.log.step ? <span class="muted small">{row.log.step} › </span> : null}
              {label(row)}
            </span>
            <span class="meta">
              <Meta row={row} end={end} />
            </span>
          </>
        );
        return (
          <li key={row.key} class={`wf-row ${row.kind}`} data-testid={row.kind === "child" ? `child-row-${row.child.id}` : undefined}>
            {expandable ? (
              <button type="button" class="wf-head" aria-expanded={open.has(row.key)} onClick={() => toggle(row.key)}>
                {head}
              </button>
            ) : (
              <div class="wf-head">{head}</div>
            )}
            <div class="track" aria-hidden="true">
              {row.kind === "log" ? (
                <span class={`tick level-${row.log.level}`} style={{ left: `${left}%` }} />
              ) : (
                <span
                  class={`bar ${row.kind === "step" ? `status-${row.step.status}` : row.kind === "child" ? `status-${row.child.status}` : "span"}`}
                  style={{ left: `${left}%`, width: `${width}%` }}
                />
              )}
            </div>
            {expandable && open.has(row.key) && <Detail row={row} />}
          </li>
        );
      })}
    </ol>
  );
}
