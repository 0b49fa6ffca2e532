/**
 * Webhooks: the endpoints (provider, target function, filter, on/off) and a form to create one.
 * A new endpoint's signing secret is shown once, right after creation, and never again.
 */
import { useState } from "preact/hooks";
import { api, type Session, type WebhookProvider, type WebhookWithSecret } from "../api";
import { CopyButton } from "../components/copy-button";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

const PROVIDERS: { value: WebhookProvider; label: string }[] = [
  { value: "stripe", label: "Stripe" },
  { value: "github", label: "GitHub" },
  { value: "standard", label: "Standard Webhooks (Svix, Resend, Clerk…)" },
];

export function WebhooksPage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(api.webhooks, []);
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);
  return (
    <section>
      <h1>Webhooks</h1>
      <p class="lead">
        Providers deliver to an endpoint's URL; Kiln verifies the signature, stores the event, answers at once and runs the target function
        as a job.
      </p>
      {created && <OneTimeSecret endpoint={created} onDone={() => setCreated(null)} />}
      {hasScope(session, "webhooks:write") && (
        <section class="panel" aria-labelledby="new-webhook-heading">
          <h2 id="new-webhook-heading">New endpoint</h2>
          <CreateWebhookForm
            onCreated={(e) => {
              setCreated(e);
              void reload();
            }}
          />
        </section>
      )}
      <section class="panel" aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Endpoints</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No webhook endpoints yet.</Empty>}
        {data && data.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Webhook endpoints" class="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Function</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {data.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Link href={`/webhooks/${encodeURIComponent(e.id)}`}>{e.name}</Link>
                    </td>
                    <td data-label="Provider">{e.provider}</td>
                    <td data-label="Function">
                      <Link href={`/functions/${encodeURIComponent(e.function)}`}>{e.function}</Link>
                    </td>
                    <td data-label="Events">{e.events ? e.events.join(", ") : <span class="muted">all</span>}</td>
                    <td data-label="State">
                      <StatusBadge status={e.enabled ? "enabled" : "disabled"} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

/** The secret of a new or rotated endpoint: shown this once, with the URL to give the provider. */
export function OneTimeSecret({ endpoint, onDone }: { endpoint: WebhookWithSecret; onDone: () => void }) {
  return (
    <section class="panel notice" role="status" aria-label="Signing secret">
      <p>
        Endpoint <strong>{endpoint.name}</strong>: give the provider this URL and signing secret. The secret is not shown again.
      </p>
      <p class="copyable">
        <code>{endpoint.url}</code> <CopyButton value={endpoint.url} label="Copy URL" />
      </p>
      <p class="copyable">
        <code data-testid="one-time-secret">{endpoint.secret}</code> <CopyButton value={endpoint.secret} label="Copy secret" />
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (e: WebhookWithSecret) => void }) {
  const [name, setName] = useState("");
  const [provider, setProvider] = useState<WebhookProvider>("stripe");
  const [fn, setFn] = useState("");
  const [events, setEvents] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const secretInput = form.elements.namedItem("webhook-secret") as HTMLInputElement | null;
    const secret = secretInput?.value.trim() || undefined;
    const filter = events
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    setBusy(true);
    setError(null);
    try {
      const created = await api.createWebhook({ name, provider, function: fn, secret, events: filter.length ? filter : null });
      if (secretInput) secretInput.value = "";
      setName("");
      setEvents("");
      onCreated(created);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} autocomplete="off">
      <div class="field">
        <label for="webhook-name">Name</label>
        <input id="webhook-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="webhook-provider">Provider</label>
        <select id="webhook-provider" value={provider} onChange={(e) => setProvider(e.currentTarget.value as WebhookProvider)}>
          {PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="webhook-function">Target function (deployed as a job)</label>
        <input id="webhook-function" required value={fn} onInput={(e) => setFn(e.currentTarget.value)} placeholder="stripe-checkout" />
      </div>
      <div class="field">
        <label for="webhook-secret">Signing secret {provider === "stripe" ? "(from Stripe)" : "(optional: Kiln makes one)"}</label>
        <input id="webhook-secret" name="webhook-secret" type="password" required={provider === "stripe"} placeholder="whsec_…" />
      </div>
      <div class="field">
        <label for="webhook-events">Event types (optional, comma-separated; a trailing * matches a prefix)</label>
        <input id="webhook-events" value={events} onInput={(e) => setEvents(e.currentTarget.value)} placeholder="checkout.session.*" />
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Creating…" : "Create endpoint"}
      </button>
    </form>
  );
}
