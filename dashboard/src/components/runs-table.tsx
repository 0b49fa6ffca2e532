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
}

export function PagedRuns({ kind, list, empty, retry }: Props) {
  const { items, error, cursor } = list;
  return (
    <>
      {error && <ErrorBox error={error} onRetry={retry && items === null ? list.reload : undefined} />}
      {items === null && !error && <Loading />}
      {items?.length === 0 && <Empty>{empty}</Empty>}
      {items && items.length > 0 && <RunsTable kind={kind} items={items} />}
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

function RunsTable({ kind, items }: { kind: keyof typeof KINDS; items: RunView[] }) {
  const { label, column } = KINDS[kind];
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{column}</th>
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
              <RunCells kind={kind} run={r} />
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

/** A run's first cells: its id (linking to its page), its function and version, its status. */
export function RunCells({ kind, run }: { kind: keyof typeof KINDS; run: RunView }) {
  return (
    <>
      <td>
        <Link href={`/${kind}/${run.id}`}>
          <code>{run.id}</code>
        </Link>
      </td>
      <td>
        <Link href={`/functions/${run.function}`}>{run.function}</Link> <span class="muted">v{run.version}</span>
      </td>
      <td>
        <StatusBadge status={run.status} />
      </td>
    </>
  );
}
