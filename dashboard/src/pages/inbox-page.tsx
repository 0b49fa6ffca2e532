/**
 * The approval inbox: every job waiting for an event (not for a sleep), with what it waits for,
 * since when, its input, and a form to send the event: Approve / Reject presets (payload
 * `{"approved": true|false}`) or any JSON payload. Refreshed every few seconds, so new waiting jobs
 * appear and answered ones leave.
 */
import { useState } from "preact/hooks";
import { api, type JobView, type Session } from "../api";
import { FieldError, invalidIf } from "../components/form-error";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading, Notice } from "../components/states";
import { dateTime, pretty, timeAgo } from "../lib/format";
import { waitsForEvent } from "../lib/jobs";
import { useAsync } from "../lib/use-async";
import { usePoll } from "../lib/use-poll";
import { Link } from "../router";

/** One waiting job: the job, the event type it waits for, and the wait step (its name and start). */
export interface Waiting {
  job: JobView;
  type: string;
  step: string;
  since: number | null;
}

/** Jobs the list says are waiting, read live (the job's own state says what it waits for), oldest wait first. */
async function loadWaiting(): Promise<Waiting[]> {
  const page = await api.jobs({ status: "waiting" });
  const jobs = await Promise.all(page.items.map((r) => api.job(r.id).catch(() => null)));
  const out: Waiting[] = [];
  for (const job of jobs) {
    if (!job || !waitsForEvent(job.status, job.waitingFor)) continue;
    const wait = [...job.steps].reverse().find((s) => s.kind === "wait" && s.status === "waiting");
    out.push({ job, type: job.waitingFor, step: wait?.name ?? job.currentStep ?? "", since: wait ? Date.parse(wait.startedAt) : null });
  }
  return out.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
}

export function InboxPage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(loadWaiting, []);
  const [notice, setNotice] = useState<string | null>(null);
  // Answered jobs leave at once, before their live state catches up with the event.
  const [answered, setAnswered] = useState<ReadonlySet<string>>(new Set());
  const canWrite = hasScope(session, "jobs:write");
  usePoll(true, () => (document.hidden ? undefined : reload()), 5000);
  const items = data?.filter((w) => !answered.has(w.job.id));

  return (
    <section>
      <div class="page-head">
        <h1>Approvals</h1>
        <span class="muted small">{items ? `${items.length} waiting` : ""}</span>
      </div>
      <p class="lead">Jobs paused in ctx.waitForEvent() until someone sends the event they wait for.</p>
      <Notice text={notice} />
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && !error && <Loading />}
      {items?.length === 0 && (
        <Empty>
          <p>Nothing is waiting for you: no job waits for an event.</p>
        </Empty>
      )}
      <ul class="inbox">
        {items?.map((w) => (
          <InboxItem
            key={w.job.id}
            item={w}
            canWrite={canWrite}
            onSent={(text) => {
              setNotice(text);
              setAnswered((prev) => new Set([...prev, w.job.id]));
            }}
          />
        ))}
      </ul>
    </section>
  );
}

function InboxItem({ item, canWrite, onSent }: { item: Waiting; canWrite: boolean; onSent: (notice: string) => void }) {
  const { job, type, step, since } = item;
  const headingId = `inbox-${job.id}`;
  return (
    <li class="panel inbox-item" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <Link href={`/functions/${encodeURIComponent(job.function)}`}>{job.function}</Link> waits for <code>{type}</code>
      </h2>
      <p class="muted small">
        Step “{step}” of job <Link href={`/jobs/${job.id}`}>{job.id}</Link>
        {since !== null && (
          <>
            {" "}
            · waiting since <span title={dateTime(since)}>{timeAgo(since)}</span>
          </>
        )}
      </p>
      <details>
        <summary>Input</summary>
        <pre>{pretty(job.input)}</pre>
      </details>
      {canWrite ? (
        <SendEvent id={job.id} type={type} onSent={(what) => onSent(`Sent ${what} to ${job.id} (${job.function}).`)} />
      ) : (
        <p class="muted small">Sending events needs the jobs:write scope.</p>
      )}
    </li>
  );
}

/** Approve / Reject (`{"approved": …}`), or a payload of your own. */
function SendEvent({ id, type, onSent }: { id: string; type: string; onSent: (what: string) => void }) {
  const [payload, setPayload] = useState("{}");
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (value: unknown, what: string) => {
    setBusy(true);
    setError(null);
    try {
      await api.sendJobEvent(id, type, value);
      onSent(what);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const sendCustom = (e: Event) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = payload.trim() === "" ? null : JSON.parse(payload);
    } catch (err) {
      setPayloadError(`The payload is not valid JSON: ${(err as Error).message}`);
      return;
    }
    setPayloadError(null);
    void send(value, `"${type}"`);
  };

  const payloadId = `payload-${id}`;
  return (
    <div class="inbox-actions">
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={() => send({ approved: true }, "an approval")}>
          Approve
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => send({ approved: false }, "a rejection")}>
          Reject
        </button>
        <span class="muted small">
          sends <code>{type}</code> with <code>{'{"approved": true|false}'}</code>
        </span>
      </div>
      <details>
        <summary>Send another payload</summary>
        <form onSubmit={sendCustom} aria-label={`Send ${type} to ${id}`}>
          <div class="field">
            <label for={payloadId}>Payload (JSON)</label>
            <textarea
              id={payloadId}
              rows={4}
              spellcheck={false}
              value={payload}
              onInput={(e) => setPayload(e.currentTarget.value)}
              {...invalidIf(payloadError, `${payloadId}-error`)}
            />
            <FieldError id={`${payloadId}-error`} error={payloadError} />
          </div>
          <button type="submit" disabled={busy}>
            Send event
          </button>
        </form>
      </details>
      {error && <ErrorBox error={error} />}
    </div>
  );
}
