/**
 * The audit log: who did what, on what, when and from where, newest first. Filters by action and
 * actor (kept in the URL), "Load more" by cursor. Read-only, as the API is.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type AuditEventView, type AuditFilter, api } from "../api";
import { Empty, ErrorBox, Loading } from "../components/states";
import { actorLabel, detailPairs, KNOWN_ACTIONS } from "../lib/audit";
import { dateTime, timeAgo } from "../lib/format";
import { Link, navigate, useLocation } from "../router";

function filterFrom(query: URLSearchParams): AuditFilter {
  const f: AuditFilter = {};
  const action = query.get("action");
  const actor = query.get("actor");
  if (action) f.action = action;
  if (actor) f.actor = actor;
  return f;
}

function hrefOf(f: AuditFilter): string {
  const params = new URLSearchParams();
  if (f.action) params.set("action", f.action);
  if (f.actor) params.set("actor", f.actor);
  const qs = params.toString();
  return qs ? `/audit?${qs}` : "/audit";
}

/** Pages of events for one filter; a stale answer never wins. */
function useAuditPages(filter: AuditFilter) {
  const [items, setItems] = useState<AuditEventView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const seq = useRef(0);
  const load = useCallback(
    async (after?: string) => {
      const mine = after ? seq.current : ++seq.current;
      if (!after) setItems(null);
      setError(null);
      setLoadingMore(Boolean(after));
      try {
        const page = await api.audit(filter, after);
        if (mine !== seq.current) return;
        setItems((cur) => (after ? [...(cur ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (e) {
        if (mine === seq.current) setError(e as Error);
      } finally {
        if (mine === seq.current) setLoadingMore(false);
      }
    },
    [filter],
  );
  useEffect(() => void load(), [load]);
  return { items, cursor, error, loadingMore, reload: () => load(), loadMore: () => cursor && load(cursor) };
}

export function AuditPage() {
  const { query } = useLocation();
  const search = query.toString();
  const filter = useMemo(() => filterFrom(query), [search]);
  const list = useAuditPages(filter);
  const filtered = Object.keys(filter).length > 0;
  return (
    <section>
      <div class="page-head">
        <h1>Audit log</h1>
        <span class="muted small">Append-only: events cannot be edited or deleted.</span>
      </div>
      <AuditFilters key={search} value={filter} onApply={(f) => navigate(hrefOf(f), true)} />
      {list.error && <ErrorBox error={list.error} onRetry={list.items === null ? list.reload : undefined} />}
      {list.items === null && !list.error && <Loading />}
      {list.items?.length === 0 && <Empty>{filtered ? "No events match these filters." : "No events recorded yet."}</Empty>}
      {list.items && list.items.length > 0 && <AuditTable items={list.items} />}
      {list.cursor && list.items && (
        <div class="actions">
          <button type="button" onClick={list.loadMore} disabled={list.loadingMore}>
            {list.loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}

function AuditFilters({ value, onApply }: { value: AuditFilter; onApply: (f: AuditFilter) => void }) {
  const [f, setF] = useState(value);
  const set = (k: keyof AuditFilter) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value.trim() });
  const submit = (e: Event) => {
    e.preventDefault();
    onApply(f);
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter audit events">
      <div class="field">
        <label for="a-action">Action</label>
        <input id="a-action" list="a-actions" value={f.action ?? ""} onInput={set("action")} placeholder="any" />
        <datalist id="a-actions">
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <div class="field">
        <label for="a-actor">Actor (key id or admin)</label>
        <input id="a-actor" value={f.actor ?? ""} onInput={set("actor")} placeholder="any" />
      </div>
      <div class="field actions">
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}

function AuditTable({ items }: { items: AuditEventView[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Audit events">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td class="audit-when" title={dateTime(e.at)}>
                {timeAgo(e.at)}
              </td>
              <td>
                <Link href={hrefOf({ actor: e.actor.keyId })} title={`${e.actor.keyId} (${e.actor.kind}): show only this actor`}>
                  {actorLabel(e.actor)}
                </Link>
                {e.actor.kind !== "admin" && <span class="muted small"> {e.actor.kind}</span>}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td class="audit-target">
                <code>{e.target}</code>
              </td>
              <td class="audit-detail">
                {detailPairs(e.detail).map(([k, v]) => (
                  <div key={k}>
                    <span class="muted">{k}:</span> <code>{v}</code>
                  </div>
                ))}
              </td>
              <td>{e.ip ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
