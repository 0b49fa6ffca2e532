/**
 * One webhook endpoint: its copyable URL, settings and secrets (dates only), "send test event",
 * enable/disable, rotate and delete; then its deliveries, filtered by status, each with its run
 * and a replay button.
 */
import { useState } from "preact/hooks";
import { api, type DeliveryStatus, type DeliveryView, type Session, type WebhookView, type WebhookWithSecret } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { CopyButton } from "../components/copy-button";
import { hasScope } from "../components/layout";
import { PayloadView } from "../components/payload-view";
import { Empty, ErrorBox, Loading, Notice } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link, navigate } from "../router";
import { OneTimeSecret } from "./webhooks-page";

const STATUSES: DeliveryStatus[] = ["accepted", "processed", "failed", "filtered", "rejected"];

export function WebhookPage({ id, session }: { id: string; session: Session }) {
  const endpoint = useAsync(() => api.webhook(id), [id]);
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const deliveries = useAsync(() => api.deliveries(id, status || undefined), [id, status]);
  const [notice, setNotice] = useState<string | null>(null);
  const [rotated, setRotated] = useState<WebhookWithSecret | null>(null);
  const e = endpoint.data;
  if (endpoint.error) return <ErrorBox error={endpoint.error} onRetry={endpoint.reload} />;
  if (!e) return <Loading />;
  const canWrite = hasScope(session, "webhooks:write");
  const changed = (text: string) => {
    setNotice(text);
    void endpoint.reload();
    void deliveries.reload();
  };
  return (
    <section>
      <h1>{e.name}</h1>
      <p class="copyable">
        <code data-testid="webhook-url">{e.url}</code> <CopyButton value={e.url} label="Copy URL" />
      </p>
      <EndpointFacts endpoint={e} />
      {rotated && <OneTimeSecret endpoint={rotated} onDone={() => setRotated(null)} />}
      <Notice text={notice} />
      {canWrite && <EndpointActions endpoint={e} onChanged={changed} onRotated={setRotated} />}
      <section class="panel" aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        <label for="delivery-status">Status </label>
        <select id="delivery-status" value={status} onChange={(ev) => setStatus(ev.currentTarget.value as DeliveryStatus | "")}>
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>{" "}
        <button type="button" onClick={() => void deliveries.reload()}>
          Refresh
        </button>
        {deliveries.error && <ErrorBox error={deliveries.error} onRetry={deliveries.reload} />}
        {deliveries.loading && !deliveries.data && <Loading />}
        {deliveries.data?.items.length === 0 && <Empty>No deliveries{status ? ` with status ${status}` : ""}.</Empty>}
        {deliveries.data && deliveries.data.items.length > 0 && (
          <DeliveriesTable
            items={deliveries.data.items}
            canReplay={canWrite}
            onReplayed={(runId) => changed(`Replay started: run ${runId}.`)}
          />
        )}
      </section>
    </section>
  );
}

function EndpointFacts({ endpoint: e }: { endpoint: WebhookView }) {
  return (
    <dl class="facts">
      <dt>Provider</dt>
      <dd>{e.provider}</dd>
      <dt>Function</dt>
      <dd>
        <Link href={`/functions/${encodeURIComponent(e.function)}`}>{e.function}</Link>
      </dd>
      <dt>Events</dt>
      <dd>{e.events ? e.events.join(", ") : "all"}</dd>
      <dt>State</dt>
      <dd>
        <StatusBadge status={e.enabled ? "enabled" : "disabled"} />
      </dd>
      <dt>Secrets</dt>
      <dd>
        {e.secrets.map((s) => (
          <span key={s.id} class="small">
            added {timeAgo(s.createdAt)}
            {s.expiresAt ? `, expires ${dateTime(s.expiresAt)}` : ""}
            <br />
          </span>
        ))}
      </dd>
    </dl>
  );
}

interface ActionsProps {
  endpoint: WebhookView;
  onChanged: (notice: string) => void;
  onRotated: (e: WebhookWithSecret) => void;
}

function EndpointActions({ endpoint: e, onChanged, onRotated }: ActionsProps) {
  const [error, setError] = useState<Error | null>(null);
  const run = (action: () => Promise<void>) => () => {
    setError(null);
    action().catch((err: Error) => setError(err));
  };
  const test = run(async () => {
    const r = await api.testWebhook(e.id);
    onChanged(r.accepted ? "Test event delivered and accepted." : `Test event answered ${r.status}.`);
  });
  const toggle = run(async () => {
    await api.updateWebhook(e.id, { enabled: !e.enabled });
    onChanged(e.enabled ? "Endpoint disabled: deliveries now get 410." : "Endpoint enabled.");
  });
  return (
    <section class="panel" aria-label="Endpoint actions">
      <span class="confirm">
        <button type="button" class="primary" onClick={test} disabled={!e.enabled}>
          Send test event
        </button>
        <button type="button" onClick={toggle}>
          {e.enabled ? "Disable" : "Enable"}
        </button>
        <ConfirmButton
          label="Rotate secret"
          question="Add a new secret? The current one stays valid for 24 hours."
          confirm="Rotate"
          action={async () => onRotated(await api.rotateWebhook(e.id, 86_400))}
          onError={setError}
        >
          Rotate secret
        </ConfirmButton>
        <ConfirmButton
          danger
          label={`Delete ${e.name}`}
          question="Delete this endpoint and its deliveries? Providers will get 404."
          confirm="Confirm delete"
          action={async () => {
            await api.deleteWebhook(e.id);
            navigate("/webhooks");
          }}
          onError={setError}
        >
          Delete
        </ConfirmButton>
      </span>
      {error && <ErrorBox error={error} />}
    </section>
  );
}

function DeliveriesTable({
  items,
  canReplay,
  onReplayed,
}: {
  items: DeliveryView[];
  canReplay: boolean;
  onReplayed: (runId: string) => void;
}) {
  const [error, setError] = useState<Error | null>(null);
  const replay = (d: DeliveryView) => {
    setError(null);
    api.replayDelivery(d.id).then((r) => onReplayed(r.id), setError);
  };
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="Deliveries" class="stack">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Status</th>
              <th scope="col">Event</th>
              <th scope="col">Run</th>
              {canReplay && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td title={dateTime(d.receivedAt)}>{timeAgo(d.receivedAt)}</td>
                <td data-label="Status">
                  <StatusBadge status={d.status} /> {d.reason && <span class="muted small">{d.reason}</span>}
                </td>
                <td data-label="Event">
                  {d.eventType ?? <span class="muted">no type</span>} <span class="muted small">{d.eventId}</span>
                  {d.payload !== null && (
                    <details class="delivery-payload">
                      <summary>Payload</summary>
                      <PayloadView value={d.payload} load={() => api.deliveryPayload(d.id)} />
                    </details>
                  )}
                </td>
                <td data-label="Run">{d.runId ? <Link href={`/jobs/${encodeURIComponent(d.runId)}`}>{d.runId}</Link> : "—"}</td>
                {canReplay && (
                  <td class="row-actions">
                    {d.status !== "rejected" && d.status !== "accepted" && (
                      <button type="button" aria-label={`Replay ${d.id}`} onClick={() => replay(d)}>
                        Replay
                      </button>
                    )}
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
