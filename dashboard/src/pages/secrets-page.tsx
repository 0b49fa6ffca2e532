/**
 * Secrets: names, grants and dates (never a value), a write-only form to set or rotate one, and
 * delete after an inline confirm. Writes need secrets:write; reading the list needs secrets:read.
 */
import { useState } from "preact/hooks";
import { api, type SecretView, type Session } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { hasScope } from "../components/layout";
import { SecretForm } from "../components/secret-form";
import { Empty, ErrorBox, Loading, Notice } from "../components/states";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

export function SecretsPage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(api.secrets, []);
  const canWrite = hasScope(session, "secrets:write");
  // The name being rotated (the form opens for it), or null for a new secret.
  const [rotating, setRotating] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const saved = (name: string, created: boolean) => {
    setRotating(null);
    setNotice(created ? `Secret ${name} created.` : `Secret ${name} replaced; the next run of a granted function uses the new value.`);
    void reload();
  };

  return (
    <section>
      <h1>Secrets</h1>
      <p class="lead">
        Values are write-only: once saved, no page and no API answer shows them again. A function reads a secret only if its manifest asks
        for it and it is granted on the function's page.
      </p>
      {canWrite && (
        <section class="panel" aria-labelledby="secret-form-heading">
          <h2 id="secret-form-heading">{rotating ? `Rotate ${rotating}` : "Set a secret"}</h2>
          <SecretForm key={rotating ?? ""} rotating={rotating} onSaved={saved} onCancel={() => setRotating(null)} />
        </section>
      )}
      <Notice text={notice} />
      <section class="panel" aria-labelledby="secrets-heading">
        <h2 id="secrets-heading">Secrets</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No secrets yet.</Empty>}
        {data && data.length > 0 && (
          <SecretsTable
            secrets={data}
            canWrite={canWrite}
            onRotate={(name) => {
              setNotice(null);
              setRotating(name);
            }}
            onDeleted={(name) => {
              setNotice(`Secret ${name} deleted.`);
              if (rotating === name) setRotating(null);
              void reload();
            }}
          />
        )}
      </section>
    </section>
  );
}

interface TableProps {
  secrets: SecretView[];
  canWrite: boolean;
  onRotate: (name: string) => void;
  onDeleted: (name: string) => void;
}

function SecretsTable({ secrets, canWrite, onRotate, onDeleted }: TableProps) {
  const [error, setError] = useState<Error | null>(null);
  const remove = async (name: string) => {
    await api.deleteSecret(name);
    onDeleted(name);
  };
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="Secrets" class="stack">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Granted to</th>
              <th scope="col">Updated</th>
              <th scope="col">Last used</th>
              {canWrite && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr key={s.name}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td data-label="Granted to">
                  <Grantees names={s.grants} />
                </td>
                <td data-label="Updated" title={dateTime(s.updatedAt)}>
                  {timeAgo(s.updatedAt)} <span class="muted small">by {s.updatedBy}</span>
                </td>
                <td data-label="Last used" title={s.lastUsedAt ? dateTime(s.lastUsedAt) : undefined}>
                  {s.lastUsedAt ? timeAgo(s.lastUsedAt) : <span class="muted">never</span>}
                </td>
                {canWrite && (
                  <td class="row-actions">
                    <span class="confirm">
                      <button type="button" aria-label={`Rotate ${s.name}`} onClick={() => onRotate(s.name)}>
                        Rotate
                      </button>
                      <ConfirmButton
                        danger
                        label={`Delete ${s.name}`}
                        question={`Delete ${s.name}? Granted functions will no longer see it.`}
                        confirm="Confirm delete"
                        action={() => remove(s.name)}
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

function Grantees({ names }: { names: string[] }) {
  if (names.length === 0) return <span class="muted">no function</span>;
  return (
    <span class="tags">
      {names.map((fn) => (
        <Link key={fn} href={`/functions/${encodeURIComponent(fn)}`} class="tag">
          {fn}
        </Link>
      ))}
    </span>
  );
}
