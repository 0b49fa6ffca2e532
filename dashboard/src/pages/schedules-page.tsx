/**
 * Schedules: the list with each next fire time (in the schedule's zone) and the status of its newest
 * run, pause/resume, run now and delete; a form whose preview shows the next 5 fire times as the
 * expression is typed. Writes need schedules:write; the list needs schedules:read.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type ScheduleView, type Session } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { FieldError, issueAt } from "../components/form-error";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading, Notice } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

export function SchedulesPage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(api.schedules, []);
  const canWrite = hasScope(session, "schedules:write");
  const [notice, setNotice] = useState<{ text: string; jobId?: string } | null>(null);
  return (
    <section>
      <h1>Schedules</h1>
      <p class="lead">A job function run on a cron expression in a time zone; the finest grain is one minute.</p>
      {canWrite && (
        <section class="panel" aria-labelledby="schedule-form-heading">
          <h2 id="schedule-form-heading">New schedule</h2>
          <ScheduleForm
            onCreated={(s) => {
              setNotice({ text: `Schedule ${s.name} created.` });
              void reload();
            }}
          />
        </section>
      )}
      <Notice text={notice?.text ?? null} />
      {notice?.jobId && <Link href={`/jobs/${encodeURIComponent(notice.jobId)}`}>Open the job</Link>}
      <section class="panel" aria-labelledby="schedules-heading">
        <h2 id="schedules-heading">Schedules</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No schedules yet.</Empty>}
        {data && data.length > 0 && <SchedulesTable schedules={data} canWrite={canWrite} onChanged={reload} onNotice={setNotice} />}
      </section>
    </section>
  );
}

/** The next fire times of what is typed, fetched a moment after typing stops. */
function usePreview(cron: string, tz: string): { times: string[]; error: string | null } {
  const [state, setState] = useState<{ times: string[]; error: string | null }>({ times: [], error: null });
  useEffect(() => {
    if (!cron.trim()) return setState({ times: [], error: null });
    let live = true;
    const timer = setTimeout(() => {
      api.previewSchedule(cron.trim(), tz.trim() || "UTC").then(
        (times) => live && setState({ times, error: null }),
        (e: Error) => live && setState({ times: [], error: issueAt(e, "/cron") ?? issueAt(e, "/tz") ?? e.message }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [cron, tz]);
  return state;
}

function ScheduleForm({ onCreated }: { onCreated: (s: ScheduleView) => void }) {
  const [f, setF] = useState({ name: "", function: "", cron: "0 9 * * 1-5", timezone: "UTC", input: "{}" });
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const preview = usePreview(f.cron, f.timezone);
  const set = (k: keyof typeof f) => (e: { currentTarget: { value: string } }) => setF({ ...f, [k]: e.currentTarget.value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input: unknown = JSON.parse(f.input || "{}");
      onCreated(await api.createSchedule({ ...f, input }));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const field = (k: keyof typeof f, label: string, path = `/${k}`) => (
    <div class="field">
      <label for={`schedule-${k}`}>{label}</label>
      <input id={`schedule-${k}`} required value={f[k]} onInput={set(k)} spellcheck={false} />
      <FieldError error={issueAt(error, path)} />
    </div>
  );
  return (
    <form onSubmit={submit} class="schedule-form" autocomplete="off">
      {field("name", "Name")}
      {field("function", "Function")}
      {field("cron", "Cron expression (minute hour day month weekday)")}
      {field("timezone", "Time zone (IANA)")}
      <section aria-label="Next fire times">
        {preview.error ? (
          <p class="error small">{preview.error}</p>
        ) : (
          <ol class="small">
            {preview.times.map((t) => (
              <li key={t}>
                <time>{t}</time>
              </li>
            ))}
          </ol>
        )}
      </section>
      <div class="field">
        <label for="schedule-input">Input (JSON)</label>
        <textarea id="schedule-input" rows={3} value={f.input} onInput={set("input")} spellcheck={false} />
        <FieldError error={issueAt(error, "/input")} />
      </div>
      {error && !["/name", "/function", "/cron", "/timezone"].some((p) => issueAt(error, p)) && <ErrorBox error={error} />}
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create schedule"}
      </button>
    </form>
  );
}

interface TableProps {
  schedules: ScheduleView[];
  canWrite: boolean;
  onChanged: () => void;
  onNotice: (n: { text: string; jobId?: string }) => void;
}

function SchedulesTable({ schedules, canWrite, onChanged, onNotice }: TableProps) {
  const [error, setError] = useState<Error | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      onChanged();
    } catch (e) {
      setError(e as Error);
    }
  };
  const runNow = (s: ScheduleView) =>
    act(async () => onNotice({ text: `Started a run of ${s.name}.`, jobId: (await api.triggerSchedule(s.id)).id }));
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="Schedules" class="stack">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Function</th>
              <th scope="col">Cron</th>
              <th scope="col">Next fire</th>
              <th scope="col">Last run</th>
              {canWrite && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/schedules/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                </td>
                <td data-label="Function">
                  <Link href={`/functions/${encodeURIComponent(s.function)}`}>{s.function}</Link>
                </td>
                <td data-label="Cron">
                  <code>{s.cron}</code> <span class="muted small">{s.timezone}</span>
                </td>
                <td data-label="Next fire">
                  {s.paused ? <span class="muted">paused</span> : (s.nextFireAt ?? <span class="muted">ended</span>)}
                </td>
                <td data-label="Last run">
                  {s.lastRun ? (
                    <Link href={`/jobs/${encodeURIComponent(s.lastRun.id)}`} aria-label={`Last run of ${s.name}: ${s.lastRun.status}`}>
                      <StatusBadge status={s.lastRun.status} />
                    </Link>
                  ) : (
                    <span class="muted">none yet</span>
                  )}
                </td>
                {canWrite && (
                  <td class="row-actions">
                    <span class="confirm">
                      <button
                        type="button"
                        aria-label={`${s.paused ? "Resume" : "Pause"} ${s.name}`}
                        onClick={() => act(() => api.scheduleAction(s.id, s.paused ? "resume" : "pause"))}
                      >
                        {s.paused ? "Resume" : "Pause"}
                      </button>
                      <button type="button" aria-label={`Run ${s.name} now`} onClick={() => runNow(s)}>
                        Run now
                      </button>
                      <ConfirmButton
                        danger
                        label={`Delete ${s.name}`}
                        question={`Delete ${s.name}? Running jobs finish; no further slot fires.`}
                        confirm="Confirm delete"
                        action={async () => {
                          await api.deleteSchedule(s.id);
                          onChanged();
                        }}
                        onError={setError}
                      >
                        Delete
                      </ConfirmButton>
                    </span>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
