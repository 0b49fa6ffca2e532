/** API keys: create (shown once), list, revoke after an inline confirm. */
import { useState } from "preact/hooks";
import { type ApiKeyView, api, type CreatedKey } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { CopyButton } from "../components/copy-button";
import { Empty, ErrorBox, Loading } from "../components/states";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { CreateKeyForm } from "./create-key-form";

export function KeysPage() {
  const { data, error, loading, reload } = useAsync(api.keys, []);
  const [created, setCreated] = useState<CreatedKey | null>(null);

  return (
    <section>
      <h1>API keys</h1>
      <section class="panel" aria-labelledby="create-key-heading">
        <h2 id="create-key-heading">Create a key</h2>
        <CreateKeyForm
          onCreated={(k) => {
            setCreated(k);
            void reload();
          }}
        />
      </section>
      {created && (
        <div class="new-key" role="status">
          <p>
            <strong>Key “{created.name}” created.</strong> Copy it now: it is shown only once and cannot be retrieved later.
          </p>
          <p class="copyable">
            <code data-testid="new-key">{created.key}</code>
            <CopyButton value={created.key} label="Copy key" />
          </p>
          <button type="button" onClick={() => setCreated(null)}>
            I have stored it — hide the key
          </button>
        </div>
      )}
      <section class="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No API keys yet. The admin key is configured on the server and is not listed.</Empty>}
        {data && data.length > 0 && <KeysTable keys={data} onRevoked={reload} />}
      </section>
    </section>
  );
}

function KeysTable({ keys, onRevoked }: { keys: ApiKeyView[]; onRevoked: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const revoke = async (id: string) => {
    await api.revokeKey(id);
    onRevoked();
  };
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Functions</th>
              <th scope="col">Rate limit</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} class={k.revokedAt ? "revoked" : ""}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  <span class="tags">
                    {k.scopes.map((s) => (
                      <span key={s} class="tag">
                        {s}
                      </span>
                    ))}
                  </span>
                </td>
                <td>{k.functions ? k.functions.join(", ") : <span class="muted">all</span>}</td>
                <td>{k.rateLimit ? `${k.rateLimit.requests} / ${k.rateLimit.perSeconds} s` : <span class="muted">none</span>}</td>
                <td title={dateTime(k.createdAt)}>{timeAgo(k.createdAt)}</td>
                <td>{k.lastUsedAt ? timeAgo(k.lastUsedAt) : <span class="muted">never</span>}</td>
                <td class="row-actions">
                  {k.revokedAt ? (
                    <span class="tag bad" title={dateTime(k.revokedAt)}>
                      revoked
                    </span>
                  ) : (
                    <ConfirmButton
                      label={`Revoke ${k.name}`}
                      question={`Revoke “${k.name}”?`}
                      confirm="Confirm revoke"
                      action={() => revoke(k.id)}
                      onError={setError}
                    >
                      Revoke
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
