/**
 * Alerts: failure alert rules (which failures, of which function, to which URL, in which format),
 * a form to create one, and each rule's recent deliveries. A `standard` rule's signing secret is
 * shown once, right after creation, and never again. Writes need alerts:write.
 */
import { useState } from "preact/hooks";
import { type AlertEvent, type AlertFormat, type AlertRuleView, type AlertRuleWithSecret, api, membersOf, type Session } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { CopyButton } from "../components/copy-button";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

const EVENTS = membersOf<AlertEvent>({ "run.failed": true, "run.timed_out": true, "job.dead_lettered": true, "delivery.failed": true });

export function AlertsPage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(api.alerts, []);
  const [created, setCreated] = useState<AlertRuleWithSecret | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const canWrite = hasScope(session, "alerts:write");
  return (
    <section>
      <h1>Alerts</h1>
      <p class="lead">
        When a run fails, times out, lands in the dead-letter list or a webhook delivery fails, Kiln posts a notification: Slack's{" "}
        <code>{"{text}"}</code> or JSON signed per Standard Webhooks. At most 10 per rule and minute; the rest arrive as one summary.
      </p>
      {created && <OneTimeAlertSecret rule={created} onDone={() => setCreated(null)} />}
      {canWrite && (
        <section class="panel" aria-labelledby="new-alert-heading">
          <h2 id="new-alert-heading">New alert rule</h2>
          <CreateAlertForm
            onCreated={(r) => {
              if ("secret" in r) setCreated(r as AlertRuleWithSecret);
              void reload();
            }}
          />
        </section>
      )}
      <section class="panel" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Rules</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No alert rules yet.</Empty>}
        {data && data.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Alert rules" class="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Events</th>
                  <th scope="col">Function</th>
                  <th scope="col">Target</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.map((r) => (
                  <RuleRow
                    key={r.id}
                    rule={r}
                    canWrite={canWrite}
                    open={open === r.id}
                    onToggle={() => setOpen(open === r.id ? null : r.id)}
                    onChanged={reload}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {open && <Deliveries id={open} />}
      </section>
    </section>
  );
}

interface RowProps {
  rule: AlertRuleView;
  canWrite: boolean;
  open: boolean;
  onToggle: () => void;
  onChanged: () => Promise<void> | void;
}

function RuleRow({ rule, canWrite, open, onToggle, onChanged }: RowProps) {
  const [error, setError] = useState<Error | null>(null);
  const toggle = async () => {
    setError(null);
    try {
      await api.updateAlert(rule.id, { enabled: !rule.enabled });
      await onChanged();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <tr>
      <td>{rule.name}</td>
      <td data-label="Events">{rule.events.join(", ")}</td>
      <td data-label="Function">
        {rule.function ? (
          <Link href={`/functions/${encodeURIComponent(rule.function)}`}>{rule.function}</Link>
        ) : (
          <span class="muted">all</span>
        )}
      </td>
      <td data-label="Target">
        <code>{rule.url}</code> <span class="muted">({rule.format})</span>
      </td>
      <td data-label="State">
        <StatusBadge status={rule.enabled ? "enabled" : "disabled"} />
      </td>
      <td data-label="Actions">
        <button type="button" aria-expanded={open} onClick={onToggle}>
          Deliveries
        </button>{" "}
        {canWrite && (
          <>
            <button type="button" onClick={toggle}>
              {rule.enabled ? "Disable" : "Enable"}
            </button>{" "}
            <ConfirmButton
              danger
              label={`Delete ${rule.name}`}
              question={`Delete alert rule "${rule.name}"?`}
              confirm="Delete"
              busy="Deleting…"
              action={async () => {
                await api.deleteAlert(rule.id);
                await onChanged();
              }}
            >
              Delete
            </ConfirmButton>
          </>
        )}
        {error && <ErrorBox error={error} />}
      </td>
    </tr>
  );
}

function Deliveries({ id }: { id: string }) {
  const { data, error, loading, reload } = useAsync(() => api.alertDeliveries(id), [id]);
  return (
    <section aria-labelledby="alert-deliveries-heading">
      <h3 id="alert-deliveries-heading">
        Recent deliveries{" "}
        <button type="button" onClick={() => void reload()}>
          Refresh
        </button>
      </h3>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data?.length === 0 && <Empty>No notifications sent yet.</Empty>}
      {data && data.length > 0 && (
        <table aria-label="Alert deliveries" class="stack">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Answer</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.id}>
                <td>{timeAgo(d.createdAt)}</td>
                <td data-label="Event">{d.event === "alert.suppressed" ? `summary of ${d.suppressed} more` : d.event}</td>
                <td data-label="Run">{d.runId ? <Link href={`/runs/${encodeURIComponent(d.runId)}`}>{d.runId}</Link> : "—"}</td>
                <td data-label="Status">
                  <StatusBadge status={d.status} />
                </td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Answer">{d.lastError ?? (d.responseStatus === null ? "—" : `HTTP ${d.responseStatus}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The signing secret of a new `standard` rule: shown this once. */
function OneTimeAlertSecret({ rule, onDone }: { rule: AlertRuleWithSecret; onDone: () => void }) {
  return (
    <section class="panel notice" role="status" aria-label="Signing secret">
      <p>
        Rule <strong>{rule.name}</strong>: verify its notifications with this Standard Webhooks secret. It is not shown again.
      </p>
      <p class="copyable">
        <code data-testid="one-time-secret">{rule.secret}</code> <CopyButton value={rule.secret} label="Copy secret" />
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function CreateAlertForm({ onCreated }: { onCreated: (r: AlertRuleView | AlertRuleWithSecret) => void }) {
  const [name, setName] = useState("");
  const [events, setEvents] = useState<AlertEvent[]>(["run.failed", "run.timed_out"]);
  const [fn, setFn] = useState("");
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<AlertFormat>("slack");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.createAlert({ name, events, function: fn.trim() || null, url, format });
      setName("");
      setUrl("");
      onCreated(created);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const flip = (ev: AlertEvent) => setEvents(events.includes(ev) ? events.filter((x) => x !== ev) : [...events, ev]);

  return (
    <form onSubmit={submit} autocomplete="off">
      <div class="field">
        <label for="alert-name">Name</label>
        <input id="alert-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <fieldset class="field">
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev}>
            <input type="checkbox" checked={events.includes(ev)} onChange={() => flip(ev)} /> {ev}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="alert-function">Function (empty: every function)</label>
        <input id="alert-function" value={fn} onInput={(e) => setFn(e.currentTarget.value)} placeholder="classify-ticket" />
      </div>
      <div class="field">
        <label for="alert-url">Target URL</label>
        <input
          id="alert-url"
          type="url"
          required
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          placeholder="https://hooks.slack.com/services/…"
        />
      </div>
      <div class="field">
        <label for="alert-format">Format</label>
        <select id="alert-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as AlertFormat)}>
          <option value="slack">Slack incoming webhook</option>
          <option value="standard">JSON signed per Standard Webhooks</option>
        </select>
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" class="primary" disabled={busy || events.length === 0}>
        {busy ? "Creating…" : "Create rule"}
      </button>
    </form>
  );
}
