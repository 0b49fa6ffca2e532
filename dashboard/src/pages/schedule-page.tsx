/**
 * One schedule: its expression, zone, policies and next fire time, its runs counted by status,
 * pause/resume and run now, and its history (the most recent runs, each linked to its job page).
 */
import { useState } from "preact/hooks";
import { api, type ScheduleDetail, type Session } from "../api";
import { Fact } from "../components/facts";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading, Notice } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

export function SchedulePage({ id, session }: { id: string; session: Session }) {
  const detail = useAsync(() => api.schedule(id), [id]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const s = detail.data;
  if (detail.error) return <ErrorBox error={detail.error} onRetry={detail.reload} />;
  if (!s) return <Loading />;
  const act = async (work: () => Promise<string>) => {
    setError(null);
    try {
      setNotice(await work());
      void detail.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section>
      <h1>{s.name}</h1>
      <ScheduleFacts s={s} />
      <Notice text={notice} />
      {error && <ErrorBox error={error} />}
      {hasScope(session, "schedules:write") && (
        <p class="row-actions">
          <button
            type="button"
            onClick={() =>
              act(async () => {
                await api.scheduleAction(s.id, s.paused ? "resume" : "pause");
                return s.paused ? "Resumed." : "Paused.";
              })
            }
          >
            {s.paused ? "Resume" : "Pause"}
          </button>{" "}
          <button type="button" onClick={() => act(async () => `Started run ${(await api.triggerSchedule(s.id)).id}.`)}>
            Run now
          </button>
        </p>
      )}
      <section class="panel" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <p class="muted small" data-testid="schedule-counts">
          {Object.entries(s.counts.byStatus)
            .map(([status, n]) => `${status} ${n}`)
            .join(" · ") || "no runs yet"}
          {s.counts.capped ? " (of the newest 10,000)" : ""}
        </p>
        {s.recentRuns.length === 0 ? <Empty>No run yet: the first slot is at the next fire time.</Empty> : <History s={s} />}
      </section>
    </section>
  );
}

function ScheduleFacts({ s }: { s: ScheduleDetail }) {
  return (
    <dl class="facts">
      <Fact term="Function">
        <Link href={`/functions/${encodeURIComponent(s.function)}`}>{s.function}</Link>
      </Fact>
      <Fact term="Cron">
        <code>{s.cron}</code> <span class="muted small">{s.timezone}</span>
      </Fact>
      <Fact term="Next fire" testId="schedule-next">
        {s.paused ? "paused" : (s.nextFireAt ?? "ended")}
      </Fact>
      <Fact term="Overlap">{s.overlap}</Fact>
      <Fact term="Catch-up">{s.catchUp}</Fact>
      <Fact term="Skipped slots" testId="schedule-skipped">
        {s.skippedSlots}
      </Fact>
      {s.jitterMs > 0 && <Fact term="Jitter">{s.jitterMs} ms</Fact>}
      {s.endAt && <Fact term="Ends">{dateTime(s.endAt)}</Fact>}
    </dl>
  );
}

function History({ s }: { s: ScheduleDetail }) {
  return (
    <div class="table-wrap">
      <table aria-label="Schedule history" class="stack">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Started by</th>
            <th scope="col">When</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {s.recentRuns.map((r) => (
            <tr key={r.id}>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td data-label="Started by">{r.trigger === "schedule" ? "its slot" : "run now"}</td>
              <td data-label="When" title={dateTime(r.createdAt)}>
                {timeAgo(r.createdAt)}
              </td>
              <td data-label="Run">
                <Link href={`/jobs/${r.id}`}>{r.id}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
