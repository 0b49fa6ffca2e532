/**
 * Runs, newest first: filters (kept in the URL; a function prefix with "*"), counts per status for
 * the filter (each a one-click status filter), "Load more" by cursor, and a refresh that brings
 * new runs in (every 2 s while a listed run is live, every 5 s otherwise).
 */
import { useMemo } from "preact/hooks";
import { api, type RunsFilter } from "../api";
import { PagedRuns } from "../components/runs-table";
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
      <PagedRuns
        kind="runs"
        list={list}
        empty={<p>{filtered ? "No runs match these filters." : "No runs yet. Call a function from its Try it panel."}</p>}
      />
    </section>
  );
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
