/** A paged list of runs (the Runs page) or of jobs (the Jobs page): states, table, "Load more". */
import type { ComponentChildren } from "preact";
import type { RunView } from "../api";
import { dateTime, duration, timeAgo } from "../lib/format";
import type { Paged } from "../lib/use-paged";
import { Link } from "../router";
import { Empty, ErrorBox, Loading } from "./states";
import { StatusBadge } from "./status-badge";

const KINDS = {
  runs: { label: "Runs", column: "Run" },
  jobs: { label: "Jobs", column: "Job" },
};

interface Props {
  /** Names the table and the column of ids, which link to /runs/:id or /jobs/:id. */
  kind: keyof typeof KINDS;
  list: Paged;
  /** Shown when the first page is empty. */
  empty: ComponentChildren;
  /** Offers a retry when the first page could not load. */
  retry?: boolean;
  /** With a selection: a checkbox per row (bulk actions). */
  selection?: Selection;
}

/** Which rows are checked, and how a checkbox changes that. */
export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string, on: boolean) => void;
  toggleAll: (ids: string[], on: boolean) => void;
}

export function PagedRuns({ kind, list, empty, retry, selection }: Props) {
  const { items, error, cursor } = list;
  return (
    <>
      {error && <ErrorBox error={error} onRetry={retry && items === null ? list.reload : undefined} />}
      {items === null && !error && <Loading />}
      {items?.length === 0 && <Empty>{empty}</Empty>}
      {items && items.length > 0 && <RunsTable kind={kind} items={items} selection={selection} />}
      {cursor && items && (
        <div class="actions">
          <button type="button" onClick={list.loadMore} disabled={list.loadingMore}>
            {list.loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </>
  );
}

/** Status and duration first (what a scan looks for), a failed run's error under its id; on phones rows become cards. */
function RunsTable({ kind, items, selection }: { kind: keyof typeof KINDS; items: RunView[]; selection?: Selection }) {
  const { label, column } = KINDS[kind];
  const ids = items.map((r) => r.id);
  const all = selection !== undefined && ids.every((id) => selection.selected.has(id));
  return (
    <div class="table-wrap">
      <table aria-label={label} class="stack runs-table">
        <thead>
          <tr>
            {selection && (
              <th scope="col" class="select-cell">
                <input
                  type="checkbox"
                  aria-label="Select all listed runs"
                  checked={all}
                  onChange={(e) => selection.toggleAll(ids, e.currentTarget.checked)}
                />
              </th>
            )}
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">{column}</th>
            <th scope="col">Function</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              {selection && (
                <td class="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.id}`}
                    checked={selection.selected.has(r.id)}
                    onChange={(e) => selection.toggle(r.id, e.currentTarget.checked)}
                  />
                </td>
              )}
              <td data-label="Status">
                <StatusBadge status={r.status} />
              </td>
              <td data-label="Duration">{duration(r.durationMs)}</td>
              <td data-label={column}>
                <RunLink kind={kind} run={r} />
                {r.error && (
                  <div class="row-error" title={r.error.message}>
                    {r.error.step ? `${r.error.step}: ` : ""}
                    {r.error.message}
                  </div>
                )}
              </td>
              <td data-label="Function">
                <FunctionCell run={r} />
              </td>
              <td data-label="Trigger">{r.trigger}</td>
              <td data-label="Started" title={dateTime(r.createdAt)}>
                {timeAgo(r.createdAt)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunLink({ kind, run }: { kind: keyof typeof KINDS; run: RunView }) {
  return (
    <Link href={`/${kind}/${run.id}`} class="run-id">
      <code>{run.id}</code>
    </Link>
  );
}

function FunctionCell({ run }: { run: RunView }) {
  return (
    <>
      <Link href={`/functions/${run.function}`}>{run.function}</Link> <span class="muted">v{run.version}</span>
    </>
  );
}

/** A run's first cells: its status, its id (linking to its page), its function and version. */
export function RunCells({ kind, run }: { kind: keyof typeof KINDS; run: RunView }) {
  return (
    <>
      <td data-label="Status">
        <StatusBadge status={run.status} />
      </td>
      <td data-label={KINDS[kind].column}>
        <RunLink kind={kind} run={run} />
      </td>
      <td data-label="Function">
        <FunctionCell run={run} />
      </td>
    </>
  );
}
