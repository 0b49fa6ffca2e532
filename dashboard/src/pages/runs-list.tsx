/**
 * Runs, newest first: filters (kept in the URL; a function prefix with "*"), counts per status for
 * the filter (each a one-click status filter), "Load more" by cursor, and a refresh that brings
 * new runs in (every 2 s while a listed run is live, every 5 s otherwise); select runs to replay
 * or cancel them together.
 */
import { useMemo, useState } from "preact/hooks";
import { api, type RunsFilter } from "../api";
import { BulkBar } from "../components/bulk-bar";
import { PagedRuns, type Selection } from "../components/runs-table";
import { StatusBadge } from "../components/status-badge";
import { useAsync } from "../lib/use-async";
import { usePaged } from "../lib/use-paged";
import { usePoll } from "../lib/use-poll";
import { navigate, useLocation } from "../router";
import { RunsFilters } from "./runs-filters";

const KEYS = ["function", "status", "trigger", "since", "until", "q"] as const;

function filterFrom(query: URLSearchParams): RunsFilter {
  const f: RunsFilter = {};
  for (const k of KEYS) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function RunsList() {
  const { query } = useLocation();
  const search = query.toString();
  const filter = useMemo(() => filterFrom(query), [search]);
  const list = usePaged((cursor) => api.runs(filter, cursor), [filter]);
  const counts = useAsync(() => api.runCounts(filter), [filter]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const selection: Selection = {
    selected,
    toggle: (id, on) => setSelected((cur) => toggled(cur, [id], on)),
    toggleAll: (ids, on) => setSelected((cur) => toggled(cur, ids, on)),
  };
  const chosen = (list.items ?? []).filter((r) => selected.has(r.id));
  usePoll(true, () => (document.hidden ? undefined : counts.reload()), 10_000);

  const apply = (f: RunsFilter) => {
    const params = new URLSearchParams();
    for (const k of KEYS) if (f[k]) params.set(k, f[k]!);
    const qs = params.toString();
    navigate(qs ? `/runs?${qs}` : "/runs", true);
  };

  const filtered = Object.keys(filter).length > 0;
  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        {list.active && (
          <span class="muted small" role="status">
            Refreshing every 2 s while runs are in progress
          </span>
        )}
      </div>
      <RunsFilters key={search} value={filter} onApply={apply} />
      {counts.data && (
        <StatusCounts
          counts={counts.data.counts}
          capped={counts.data.capped}
          selected={filter.status}
          onPick={(status) => apply({ ...filter, status })}
        />
      )}
      {chosen.length > 0 && <BulkBar runs={chosen} onClear={() => setSelected(new Set())} />}
      <PagedRuns
        kind="runs"
        list={list}
        selection={selection}
        empty={<p>{filtered ? "No runs match these filters." : "No runs yet. Call a function from its Try it panel."}</p>}
      />
    </section>
  );
}

function toggled(cur: ReadonlySet<string>, ids: string[], on: boolean): ReadonlySet<string> {
  const next = new Set(cur);
  for (const id of ids) on ? next.add(id) : next.delete(id);
  return next;
}

const ORDER = ["queued", "running", "waiting", "succeeded", "failed", "timed_out", "cancelled"];

/** "succeeded 12 · failed 3": how many runs of each status match the filter; a click filters by it (again: all). */
function StatusCounts(props: { counts: Record<string, number>; capped: boolean; selected?: string; onPick: (s?: string) => void }) {
  const { counts, capped, selected, onPick } = props;
  const present = ORDER.filter((s) => (counts[s] ?? 0) > 0);
  const total = present.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return (
    <ul class="status-counts" aria-label="Run counts">
      <li>
        <span class="muted small">{capped ? `the newest ${total}` : `${total} in all`}</span>
      </li>
      {present.map((s) => (
        <li key={s}>
          <button
            type="button"
            class="link"
            aria-pressed={selected === s}
            onClick={() => onPick(selected === s ? undefined : s)}
            aria-label={`${s}: ${counts[s]}${selected === s ? " (showing only these)" : ""}`}
          >
            <StatusBadge status={s} /> {counts[s]}
          </button>
        </li>
      ))}
    </ul>
  );
}
