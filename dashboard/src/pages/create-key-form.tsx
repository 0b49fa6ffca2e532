/** The create-key form: name, scopes, optional function allow-list. */
import { useState } from "preact/hooks";
import { api, type CreatedKey, SCOPES, type Scope } from "../api";
import { ErrorBox } from "../components/states";

export function CreateKeyForm({ onCreated }: { onCreated: (k: CreatedKey) => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(["tools:call"]));
  const [functions, setFunctions] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const toggle = (s: Scope) => {
    const next = new Set(scopes);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setScopes(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const allow = functions
      .split(/[\s,]+/)
      .map((f) => f.trim())
      .filter(Boolean);
    try {
      const created = await api.createKey(name.trim(), [...scopes], allow.length > 0 ? allow : null);
      setName("");
      setFunctions("");
      onCreated(created);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="key-form">
      <div class="field">
        <label for="key-name">Name</label>
        <input
          id="key-name"
          required
          maxLength={100}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          placeholder="support-agent"
        />
      </div>
      <fieldset>
        <legend>Scopes</legend>
        <div class="checks">
          {SCOPES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={scopes.has(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for="key-functions">Functions (optional)</label>
        <input
          id="key-functions"
          value={functions}
          onInput={(e) => setFunctions(e.currentTarget.value)}
          placeholder="all functions"
          aria-describedby="key-functions-help"
        />
        <p id="key-functions-help" class="muted small">
          Comma-separated function names this key may use. Leave empty to allow all.
        </p>
      </div>
      {error && <ErrorBox error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || scopes.size === 0 || name.trim() === ""}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}
