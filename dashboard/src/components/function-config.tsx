/**
 * A function's configuration beside its code: the secrets its manifest asks for, whether each is
 * granted and set (grants editable with secrets:write), and its environment variables (editable
 * with functions:write). Both reach the next run without a redeploy.
 */
import { useState } from "preact/hooks";
import { api, type FunctionConfigView, type Manifest, type Session } from "../api";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";
import { EnvEditor } from "./env-editor";
import { hasScope } from "./layout";
import { ErrorBox, Loading, Notice } from "./states";

/** The config, and the names of the secrets that are set when this session may list them (else null). */
async function loadConfig(name: string, canListSecrets: boolean) {
  const [config, secrets] = await Promise.all([api.fnConfig(name), canListSecrets ? api.secrets() : Promise.resolve(null)]);
  return { config, known: secrets ? new Set(secrets.map((s) => s.name)) : null };
}

interface Props {
  name: string;
  manifest: Manifest;
  version: number;
  session: Session;
}

export function FunctionConfig({ name, manifest, version, session }: Props) {
  const { data, error, reload } = useAsync(() => loadConfig(name, hasScope(session, "secrets:read")), [name]);
  // What the last save answered: newer than the load.
  const [saved, setSaved] = useState<FunctionConfigView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const config = saved ?? data.config;
  const onSaved = (text: string) => (next: FunctionConfigView) => {
    setSaved(next);
    setNotice(text);
  };
  return (
    <>
      <Notice text={notice} />
      <h3 id="grants-heading">Secrets</h3>
      <SecretGrants
        name={name}
        wanted={manifest.secrets.map((s) => (typeof s === "string" ? s : s.name))}
        version={version}
        granted={config.grants}
        known={data.known}
        canWrite={hasScope(session, "secrets:write")}
        onSaved={onSaved("Grants saved; the next run sees exactly these secrets.")}
      />
      <h3 id="env-heading">Environment variables</h3>
      <EnvEditor
        key={JSON.stringify(config.env)}
        name={name}
        env={config.env}
        canWrite={hasScope(session, "functions:write")}
        onSaved={onSaved("Environment variables saved; the next run sees them in ctx.env.")}
      />
    </>
  );
}

interface GrantsProps {
  name: string;
  wanted: string[];
  version: number;
  granted: string[];
  /** Names of the secrets that are set, or null when this session may not list them. */
  known: Set<string> | null;
  canWrite: boolean;
  onSaved: (config: FunctionConfigView) => void;
}

function SecretGrants({ name, wanted, version, granted, known, canWrite, onSaved }: GrantsProps) {
  const [selected, setSelected] = useState(() => new Set(granted));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  // Granted but no longer asked for: listed too, so they can be revoked.
  const rows = [...wanted, ...granted.filter((g) => !wanted.includes(g)).sort()];
  const changed = selected.size !== granted.length || granted.some((g) => !selected.has(g));

  const toggle = (secret: string) => {
    const next = new Set(selected);
    if (next.has(secret)) next.delete(secret);
    else next.add(secret);
    setSelected(next);
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await api.putGrants(name, [...selected].sort());
      setSelected(new Set(next.grants));
      onSaved(next);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  if (rows.length === 0) return <p class="muted">v{version} asks for no secrets (manifest “secrets”) and none is granted.</p>;
  return (
    <>
      <div class="table-wrap">
        <table aria-labelledby="grants-heading">
          <thead>
            <tr>
              <th scope="col">Secret</th>
              <th scope="col">State</th>
              {canWrite && <th scope="col">Grant</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s}>
                <td>
                  <code>{s}</code>
                  {!wanted.includes(s) && <span class="muted small"> not asked for by v{version}</span>}
                </td>
                <td data-testid={`grant-state-${s}`}>
                  <GrantState granted={granted.includes(s)} set={known ? known.has(s) : null} />
                </td>
                {canWrite && (
                  <td>
                    <input type="checkbox" aria-label={`Grant ${s}`} checked={selected.has(s)} onChange={() => toggle(s)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && <ErrorBox error={error} />}
      {canWrite ? (
        <div class="actions">
          <button type="button" class="primary" disabled={busy || !changed} onClick={save}>
            {busy ? "Saving…" : "Save grants"}
          </button>
        </div>
      ) : (
        <p class="muted small">Granting needs the secrets:write scope.</p>
      )}
    </>
  );
}

/** Granted ✓ / not granted, and "not set" when the secret has no value (if we can tell). */
function GrantState({ granted, set }: { granted: boolean; set: boolean | null }) {
  return (
    <span class="tags">
      {granted ? <span class="tag good">granted ✓</span> : <span class="tag">not granted</span>}
      {set === false && (
        <Link href="/secrets" class="tag bad" title="No value is stored under this name: set it on the Secrets page">
          not set
        </Link>
      )}
    </span>
  );
}
