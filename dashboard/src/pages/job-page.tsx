/**
 * One job, live: status, current step, what it waits for and its steps, followed over the job's
 * event stream (polling every 2 s if the stream fails) until it ends; then output or error. Its
 * trace (the waterfall of steps, calls, logs and child runs) is on this page too, read again as
 * the job moves on: a job's live view and its stored trace are one page. Send it an event, cancel
 * it, replay it.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type JobView, type LiveStep, type Session } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { CopyableId } from "../components/copy-button";
import { Fact, OriginFacts } from "../components/facts";
import { FieldError, invalidIf } from "../components/form-error";
import { hasScope } from "../components/layout";
import { PayloadView } from "../components/payload-view";
import { ErrorBox, Loading, Notice } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { Waterfall } from "../components/waterfall";
import { replayWithEditsHref } from "../lib/bulk";
import { dateTime, duration, payloadMarker } from "../lib/format";
import { EVENT_TYPE, waitsForEvent } from "../lib/jobs";
import { useAsync } from "../lib/use-async";
import { useJobStream } from "../lib/use-job-stream";
import { ACTIVE_STATUSES, usePoll } from "../lib/use-poll";
import { useReplay } from "../lib/use-replay";
import { Link } from "../router";

/** The current time, ticking every second while `active` (for the duration of live steps). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** One sentence on what a live job is doing, or how it ended. */
function doing(job: JobView): string {
  switch (job.status) {
    case "queued":
      return "Queued: waiting to start (or for a free concurrency slot).";
    case "running":
      return job.currentStep ? `Running step “${job.currentStep}”.` : "Running.";
    case "waiting":
      if (job.waitingFor === null) return "Waiting.";
      return job.waitingFor.startsWith("sleep ") ? `Sleeping (${job.waitingFor}).` : `Waiting for the event “${job.waitingFor}”.`;
    default:
      return `Ended as ${job.status.replace("_", " ")}.`;
  }
}

/** Loads the job, noting when (a stream frame that arrived later is fresher). */
async function loadJob(id: string) {
  const job = await api.job(id);
  return { job, at: Date.now() };
}

export function JobPage({ id, session }: { id: string; session: Session }) {
  const { data, error, reload } = useAsync(() => loadJob(id), [id]);
  const job = data?.job;
  const [notice, setNotice] = useState<string | null>(null);
  const live = job !== undefined && ACTIVE_STATUSES.has(job.status);
  const stream = useJobStream(api.jobStreamUrl(id), live, (state) => {
    if (state.status !== job?.status) void reload();
  });
  // Every 2 s while the stream is down; every 10 s while it is up, in case it stalls silently.
  usePoll(live && stream.mode === "poll", reload);
  usePoll(live && stream.mode === "stream", reload, 10_000);
  const now = useNow(live);

  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data || !job) return <Loading />;

  // While following the stream, its latest frame is what to show, unless a load came after it.
  const frame = live && stream.mode === "stream" && stream.at > data.at ? stream.state : null;
  const view: JobView = frame
    ? { ...job, status: frame.status, currentStep: frame.currentStep, waitingFor: frame.waitingFor, steps: frame.steps }
    : job;
  const ended = !ACTIVE_STATUSES.has(view.status);
  const final = !ACTIVE_STATUSES.has(job.status);
  const canWrite = hasScope(session, "jobs:write");

  return (
    <section>
      <p class="crumbs">
        <Link href="/jobs">Jobs</Link> /
      </p>
      <div class="page-head">
        <h1>
          Job of <Link href={`/functions/${view.function}`}>{view.function}</Link>
        </h1>
        <span data-testid="job-status">
          <StatusBadge status={view.status} />
        </span>
      </div>
      <p class="live-line" role="status" data-testid="job-doing">
        {doing(view)} {!ended && <span class="muted small">{stream.mode === "stream" ? "· Live" : "· Refreshing every 2 s"}</span>}
      </p>
      <dl class="facts">
        <Fact term="Job id">
          <CopyableId value={view.id} />
        </Fact>
        <Fact term="Version">
          <Link href={`/functions/${view.function}`}>v{view.version}</Link>
        </Fact>
        <Fact term="Trigger">{view.trigger}</Fact>
        <Fact term="Created">{dateTime(view.createdAt)}</Fact>
        <Fact term="Duration">
          {ended ? duration(view.durationMs) : view.startedAt ? `${duration(now - Date.parse(view.startedAt))} so far` : "—"}
        </Fact>
        {!ended && (
          <Fact term="Current step" testId="current-step">
            {view.currentStep ?? "—"}
          </Fact>
        )}
        {!ended && view.waitingFor && (
          <Fact term="Waiting for" testId="waiting-for">
            <code>{view.waitingFor}</code>
          </Fact>
        )}
        <OriginFacts run={view} />
      </dl>

      <Notice text={notice} />

      {canWrite && waitsForEvent(view.status, view.waitingFor) && (
        <section class="panel" aria-labelledby="event-heading">
          <h2 id="event-heading">Send an event</h2>
          <EventForm
            key={view.waitingFor}
            id={view.id}
            waitingFor={view.waitingFor}
            onSent={(type) => setNotice(`Sent the “${type}” event.`)}
          />
        </section>
      )}

      {canWrite && (
        <div class="actions job-actions">
          {ended ? (
            <ReplayButtons id={view.id} fn={view.function} status={view.status} />
          ) : (
            <CancelJob
              id={view.id}
              onDone={() => {
                setNotice("Cancelled the job.");
                void reload();
              }}
            />
          )}
        </div>
      )}

      {final && job.error && (
        <div class="run-error" role="alert">
          <strong>{job.error.name ?? "Error"}</strong>
          {job.error.step && <> in step “{job.error.step}”</>}: {job.error.message}
        </div>
      )}

      <section class="panel" aria-labelledby="steps-heading">
        <h2 id="steps-heading">Steps</h2>
        <StepsTable runId={view.id} steps={view.steps} now={now} ended={ended} />
      </section>

      {hasScope(session, "runs:read") && <JobTrace id={view.id} progress={`${view.status}:${view.steps.map((s) => s.status).join(",")}`} />}

      <div class="two-col">
        <section class="panel" aria-labelledby="input-heading">
          <h2 id="input-heading">Input</h2>
          <PayloadView value={view.input} load={() => api.runPayload(view.id, "input")} testId="job-input" />
        </section>
        <section class="panel" aria-labelledby="output-heading">
          <h2 id="output-heading">Output</h2>
          {!final ? (
            <p class="muted">{ended ? "Loading the result…" : "The output appears when the job ends."}</p>
          ) : job.output === null || job.output === undefined ? (
            <p class="muted">No output.</p>
          ) : (
            <PayloadView value={job.output} load={() => api.runPayload(view.id, "output")} testId="job-output" />
          )}
        </section>
      </div>
    </section>
  );
}

/** The job's trace, read again whenever `progress` (its status and its steps' statuses) changes. */
function JobTrace({ id, progress }: { id: string; progress: string }) {
  const { data, error, reload } = useAsync(() => api.run(id), [id, progress]);
  return (
    <section class="panel" aria-labelledby="trace-heading">
      <h2 id="trace-heading">Trace</h2>
      {error && !data ? <ErrorBox error={error} onRetry={reload} /> : data ? <Waterfall run={data} /> : <Loading />}
    </section>
  );
}

function StepsTable({ runId, steps, now, ended }: { runId: string; steps: LiveStep[]; now: number; ended: boolean }) {
  if (steps.length === 0) return <p class="muted">{ended ? "No steps were recorded." : "No steps yet."}</p>;
  return (
    <div class="table-wrap">
      <table aria-label="Steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Attempt</th>
            <th scope="col">Duration</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s, i) => (
            <tr key={`${i}:${s.name}:${s.attempt}`}>
              <td>
                <strong>{s.name}</strong>
              </td>
              <td>
                <span class="kind">{s.kind}</span>
              </td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{s.attempt}</td>
              <td>
                {s.durationMs !== null
                  ? duration(s.durationMs)
                  : ended
                    ? "—"
                    : `${duration(Math.max(0, now - Date.parse(s.startedAt)))} so far`}
              </td>
              <td class="step-result">
                {s.error ? (
                  <span class="error-text">{s.error}</span>
                ) : payloadMarker(s.output) ? (
                  <PayloadView value={s.output} text load={() => api.stepResult(runId, i)} />
                ) : s.output ? (
                  <code>{s.output}</code>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EventForm({ id, waitingFor, onSent }: { id: string; waitingFor: string; onSent: (type: string) => void }) {
  const [type, setType] = useState(waitingFor);
  const [payload, setPayload] = useState("{}");
  const [typeError, setTypeError] = useState<string | null>(null);
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (e: Event) => {
    e.preventDefault();
    const badType = EVENT_TYPE.test(type) ? null : "Use letters, digits, '-' and '_', not starting with '-'.";
    let value: unknown;
    let badPayload: string | null = null;
    try {
      value = payload.trim() === "" ? null : JSON.parse(payload);
    } catch (err) {
      badPayload = `The payload is not valid JSON: ${(err as Error).message}`;
    }
    setTypeError(badType);
    setPayloadError(badPayload);
    if (badType || badPayload) return;
    setError(null);
    setBusy(true);
    try {
      await api.sendJobEvent(id, type, value);
      onSent(type);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="event-form" onSubmit={send} aria-label="Send an event">
      <p class="muted">
        The job waits for an event of type <code>{waitingFor}</code>; its payload is what <code>ctx.waitForEvent()</code> returns.
      </p>
      <div class="field">
        <label for="event-type">Event type</label>
        <input
          id="event-type"
          value={type}
          onInput={(e) => setType(e.currentTarget.value)}
          spellcheck={false}
          {...invalidIf(typeError, "event-type-error")}
        />
        <FieldError id="event-type-error" error={typeError} />
      </div>
      <div class="field">
        <label for="event-payload">Payload (JSON)</label>
        <textarea
          id="event-payload"
          rows={Math.min(12, Math.max(3, payload.split("\n").length + 1))}
          spellcheck={false}
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
          {...invalidIf(payloadError, "event-payload-error")}
        />
        <FieldError id="event-payload-error" error={payloadError} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Sending…" : "Send event"}
        </button>
      </div>
      {error && <ErrorBox error={error} />}
    </form>
  );
}

function CancelJob({ id, onDone }: { id: string; onDone: () => void }) {
  return (
    <div>
      <ConfirmButton
        danger
        question="Cancel this job? Steps that already ran are not undone."
        confirm="Confirm cancel"
        busy="Cancelling…"
        back="Keep running"
        action={async () => {
          await api.cancelJob(id);
          onDone();
        }}
      >
        Cancel job
      </ConfirmButton>
    </div>
  );
}

function ReplayButtons({ id, fn, status }: { id: string; fn: string; status: string }) {
  const { busy, error, replay } = useReplay();
  return (
    <div>
      <div class="actions">
        <button type="button" onClick={() => replay(id)} disabled={busy !== null}>
          Replay
        </button>
        {status !== "succeeded" && (
          <button type="button" onClick={() => replay(id, true)} disabled={busy !== null}>
            Replay from failed step
          </button>
        )}
        <Link href={replayWithEditsHref({ id, function: fn })} class="button">
          Replay with edits
        </Link>
      </div>
      <p class="muted small">
        A replay is a new job with the same input on the function's active version
        {status !== "succeeded" && "; from the failed step, steps that succeeded are reused, not run again"}.
      </p>
      {error && <ErrorBox error={error} />}
    </div>
  );
}
