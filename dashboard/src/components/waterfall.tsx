/** The trace waterfall: steps and outbound calls as bars, logs as lines, all in time order; each row expands. */
import { useState } from "preact/hooks";
import type { RunDetail } from "../api";
import { duration, prettyText } from "../lib/format";
import { buildTimeline, type Row } from "../lib/timeline";
import { StatusBadge } from "./status-badge";

function label(row: Row): string {
  if (row.kind === "step") return row.step.name;
  if (row.kind === "span") return `${row.span.method} ${row.span.host}${row.span.path}`;
  return row.log.message;
}

function hasDetail(row: Row): boolean {
  if (row.kind === "step") return row.step.output !== null || row.step.error !== null;
  if (row.kind === "span") return row.span.error !== null;
  return row.log.data !== null;
}

function Detail({ row }: { row: Row }) {
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
  return <pre class="row-detail">{prettyText(row.log.data)}</pre>;
}

function Meta({ row, end }: { row: Row; end: number | null }) {
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

export function Waterfall({ run }: { run: RunDetail }) {
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
          <li key={row.key} class={`wf-row ${row.kind}`}>
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
                  class={`bar ${row.kind === "step" ? `status-${row.step.status}` : "span"}`}
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
