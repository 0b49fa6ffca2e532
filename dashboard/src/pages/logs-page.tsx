/**
 * Logs: log lines across runs, newest first, filtered by function, level, text and time (kept in
 * the URL), "Load more" by cursor, and a Live toggle that prepends new lines as runs write them
 * (Server-Sent Events, paused while the tab is hidden). Each line links to its run.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api, type LogLineView, type LogsFilter, membersOf } from "../api";
import { AnyOf, ApplyClear, TimeRange, useFilterForm } from "../components/filter-fields";
import { Empty, ErrorBox, Loading } from "../components/states";
import { dateTime } from "../lib/format";
import { type TailState, useLogTail } from "../lib/use-log-tail";
import { Link, navigate, useLocation } from "../router";

const KEYS = ["function", "level", "q", "since", "until"] as const;
const LEVELS = membersOf<LogLineView["level"]>({ debug: true, info: true, warn: true, error: true });
/** Lines kept on the page while live: older ones are a "Load more" away after a reload. */
const MAX_LINES = 1000;

function filterFrom(query: URLSearchParams): LogsFilter {
  const f: LogsFilter = {};
  for (const k of KEYS) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

const TAIL_TEXT: Record<TailState, string> = {
  off: "",
  connecting: "Connecting…",
  live: "Live: new lines appear at the top",
  paused: "Paused while this tab is hidden",
};

export function LogsPage() {
  const { query } = useLocation();
  const search = query.toString();
  const filter = useMemo(() => filterFrom(query), [search]);
  const [items, setItems] = useState<LogLineView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [live, setLive] = useState(false);

  const load = async (after?: string) => {
    try {
      const page = await api.logs(filter, after);
      setItems((cur) => (after ? [...(cur ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e instanceof Error ? e : new ApiError(0, { detail: String(e) }));
    }
  };
  useEffect(() => {
    setItems(null);
    setError(null);
    void load();
  }, [filter]);

  // The tail follows new lines: an `until` in the past would match none, so it is left out.
  const tailFilter = useMemo(() => ({ ...filter, until: undefined, since: undefined }), [filter]);
  const tail = useLogTail(tailFilter, live, (line) => setItems((cur) => [line, ...(cur ?? [])].slice(0, MAX_LINES)));

  const apply = (f: LogsFilter) => {
    const params = new URLSearchParams();
    for (const k of KEYS) if (f[k]) params.set(k, f[k]!);
    const qs = params.toString();
    navigate(qs ? `/logs?${qs}` : "/logs", true);
  };

  return (
    <section>
      <div class="page-head">
        <h1>Logs</h1>
        <label class="live-toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive((e.currentTarget as HTMLInputElement).checked)} /> Live
        </label>
        {live && (
          <span class="muted small" role="status">
            {TAIL_TEXT[tail]}
          </span>
        )}
      </div>
      <LogsFilters key={search} value={filter} onApply={apply} />
      {error && (
        <ErrorBox
          error={error}
          onRetry={() => {
            setError(null);
            void load();
          }}
        />
      )}
      {!error && items === null && <Loading />}
      {items?.length === 0 && <Empty>{Object.keys(filter).length > 0 ? "No log lines match these filters." : "No log lines yet."}</Empty>}
      {items && items.length > 0 && <LogsTable items={items} />}
      {cursor && items && (
        <button type="button" onClick={() => load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}

function LogsTable({ items }: { items: LogLineView[] }) {
  return (
    <div class="table-wrap">
      <table class="stack logs-table" aria-label="Log lines">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Function</th>
            <th scope="col">Message</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {items.map((l) => (
            <tr key={l.id}>
              <td data-label="Time">
                <time dateTime={l.at}>{dateTime(l.at)}</time>
              </td>
              <td data-label="Level">
                <span class={`badge level-${l.level}`}>{l.level}</span>
              </td>
              <td data-label="Function">{l.function ?? "—"}</td>
              <td data-label="Message" class="log-message">
                {l.message}
                {l.step && <span class="muted small"> · step {l.step}</span>}
                {l.data !== null && <code class="log-data">{JSON.stringify(l.data)}</code>}
              </td>
              <td data-label="Run">
                <Link href={`/runs/${encodeURIComponent(l.runId)}`}>
                  <code>{l.runId}</code>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LogsFilters({ value, onApply }: { value: LogsFilter; onApply: (f: LogsFilter) => void }) {
  const { f, set, submit } = useFilterForm(value, onApply);
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter log lines">
      <div class="field">
        <label for="l-function">Function</label>
        <input id="l-function" value={f.function ?? ""} onInput={set("function")} placeholder="any, or a prefix: billing-*" />
      </div>
      <AnyOf id="l-level" label="Level" value={f.level} options={LEVELS} onChange={set("level")} />
      <TimeRange prefix="l" since={f.since} until={f.until} set={set} />
      <div class="field grow">
        <label for="l-q">Text</label>
        <input id="l-q" type="search" maxLength={200} value={f.q ?? ""} onInput={set("q")} placeholder="text in the message" />
      </div>
      <ApplyClear onClear={() => onApply({})} />
    </form>
  );
}
