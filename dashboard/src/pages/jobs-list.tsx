/**
 * Jobs: recent durable runs (jobs, replays: every trigger but tool and mcp), newest first from
 * GET /v1/jobs (refreshing every 2 s while any is live), and
 * the dead letters (failed or timed-out jobs not yet replayed), each with a Re-queue button.
 */
import { api, type Session } from "../api";
import { hasScope } from "../components/layout";
import { PagedRuns, RunCells } from "../components/runs-table";
import { Empty, ErrorBox, Loading } from "../components/states";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { usePaged } from "../lib/use-paged";
import { useReplay } from "../lib/use-replay";
import { Link } from "../router";

export type JobsTab = "recent" | "dead-letters";

export function JobsList({ tab, session }: { tab: JobsTab; session: Session }) {
  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
      </div>
      <nav class="tabs" aria-label="Job lists">
        <Link href="/jobs" aria-current={tab === "recent" ? "page" : undefined}>
          Recent
        </Link>
        <Link href="/jobs/dead-letters" aria-current={tab === "dead-letters" ? "page" : undefined}>
          Dead letters
        </Link>
      </nav>
      {tab === "recent" ? (
        <RecentJobs canFilter={hasScope(session, "runs:read")} />
      ) : (
        <DeadLetters canWrite={hasScope(session, "jobs:write")} />
      )}
    </section>
  );
}

function RecentJobs({ canFilter }: { canFilter: boolean }) {
  const list = usePaged((cursor) => api.jobs({}, cursor), []);
  return (
    <>
      <p class="muted small">
        Job and replay runs, newest first. {list.active && <span role="status">Refreshing every 2 s while jobs are live.</span>}{" "}
        {canFilter && (
          <>
            <Link href="/runs?trigger=job">Filter them on the runs page</Link>.
          </>
        )}
      </p>
      <PagedRuns
        kind="jobs"
        list={list}
        retry
        empty={<p>No jobs yet. Start one with “Run as job” on a function's page, or POST /v1/jobs.</p>}
      />
    </>
  );
}

function DeadLetters({ canWrite }: { canWrite: boolean }) {
  const { data: items, error, loading, reload } = useAsync(api.deadLetters, []);
  const { busy, error: requeueError, replay: requeue } = useReplay(() => void reload());

  return (
    <>
      <div class="page-head">
        <p class="muted small">
          Jobs that failed or timed out and were not replayed yet. Re-queue runs one again from the start with the same input on the
          function's active version; open it to replay from its failed step instead.
        </p>
        <button type="button" onClick={reload} disabled={loading}>
          {loading && items ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      {requeueError && <ErrorBox error={requeueError} />}
      {error && !items && <ErrorBox error={error} onRetry={reload} />}
      {!items && !error && <Loading />}
      {items?.length === 0 && (
        <Empty>
          <p>No dead letters: no failed or timed-out job is waiting to be re-queued.</p>
        </Empty>
      )}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Dead letters" class="stack">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Job</th>
                <th scope="col">Function</th>
                <th scope="col">Error</th>
                <th scope="col">Ended</th>
                {canWrite && (
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <RunCells kind="jobs" run={r} />
                  <td class="step-result" data-label="Error">
                    {r.error ? (
                      <>
                        {r.error.step && <span class="muted">step “{r.error.step}”: </span>}
                        <span class="error-text">{r.error.message}</span>
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td data-label="Ended" title={dateTime(r.endedAt)}>
                    {timeAgo(r.endedAt)}
                  </td>
                  {canWrite && (
                    <td class="row-actions">
                      <button type="button" onClick={() => requeue(r.id)} disabled={busy !== null} aria-label={`Re-queue ${r.id}`}>
                        {busy === r.id ? "Re-queuing…" : "Re-queue"}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
