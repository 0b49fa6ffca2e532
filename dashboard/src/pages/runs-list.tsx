/**
 * Runs, newest first: filters (kept in the URL), "Load more" by cursor, and a 2 s refresh while
 * any listed run is still queued, running or waiting.
 */
import { useMemo } from "preact/hooks";
import { api, type RunsFilter } from "../api";
import { PagedRuns } from "../components/runs-table";
import { usePaged } from "../lib/use-paged";
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
      <PagedRuns
        kind="runs"
        list={list}
        empty={<p>{filtered ? "No runs match these filters." : "No runs yet. Call a function from its Try it panel."}</p>}
      />
    </section>
  );
}
