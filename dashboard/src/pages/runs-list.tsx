/**
 * Runs, newest first: filters (kept in the URL), "Load more" by cursor, and a 2 s refresh while
 * any listed run is still queued, running or waiting.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type RunsFilter, type RunView } from "../api";
import { Empty, ErrorBox, Loading } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { dateTime, duration, timeAgo } from "../lib/format";
import { ACTIVE_STATUSES, usePoll } from "../lib/use-poll";
import { Link, navigate, useLocation } from "../router";
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

function merge(fresh: RunView[], current: RunView[]): RunView[] {
  const byId = new Map(fresh.map((r) => [r.id, r]));
  const rest = current.filter((r) => !byId.has(r.id));
  return [...fresh, ...rest];
}

export function RunsList() {
  const { query } = useLocation();
  const search = query.toString();
  const filter = useMemo(() => filterFrom(query), [search]);
  const [items, setItems] = useState<RunView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [more, setMore] = useState(false);

  useEffect(() => {
    let live = true;
    setItems(null);
    setError(null);
    api.runs(filter).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
      },
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [filter]);

  const active = (items ?? []).some((r) => ACTIVE_STATUSES.has(r.status));
  usePoll(active, async () => {
    const page = await api.runs(filter);
    setItems((cur) => merge(page.items, cur ?? []));
  });

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api.runs(filter, cursor);
      setItems((cur) => [...(cur ?? []), ...page.items.filter((r) => !cur?.some((c) => c.id === r.id))]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e as Error);
    } finally {
      setMore(false);
    }
  };

  const apply = (f: RunsFilter) => {
    const params = new URLSearchParams();
    for (const k of KEYS) if (f[k]) params.set(k, f[k]!);
    const qs = params.toString();
    navigate(qs ? `/runs?${qs}` : "/runs", true);
  };

  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        {active && (
          <span class="muted small" role="status">
            Refreshing every 2 s while runs are in progress
          </span>
        )}
      </div>
      <RunsFilters key={search} value={filter} onApply={apply} />
      {error && <ErrorBox error={error} />}
      {items === null && !error && <Loading />}
      {items?.length === 0 && (
        <Empty>
          <p>{Object.keys(filter).length > 0 ? "No runs match these filters." : "No runs yet. Call a function from its Try it panel."}</p>
        </Empty>
      )}
      {items && items.length > 0 && <RunsTable items={items} />}
      {cursor && items && (
        <div class="actions">
          <button type="button" onClick={loadMore} disabled={more}>
            {more ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}

function RunsTable({ items }: { items: RunView[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Function</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/runs/${r.id}`}>
                  <code>{r.id}</code>
                </Link>
              </td>
              <td>
                <Link href={`/functions/${r.function}`}>{r.function}</Link> <span class="muted">v{r.version}</span>
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{r.trigger}</td>
              <td title={dateTime(r.createdAt)}>{timeAgo(r.createdAt)}</td>
              <td>{duration(r.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
