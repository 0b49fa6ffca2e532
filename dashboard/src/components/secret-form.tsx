/**
 * The write-only form that sets or rotates a secret. The value lives only in the password input
 * (never in component state, never in an attribute) and is cleared once saved, so nothing in the
 * page's DOM or storage holds it afterwards.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { FieldError, invalidIf, issueAt, otherIssues } from "./form-error";
import { ErrorBox, Issues } from "./states";

interface Props {
  /** The secret being rotated (its name fixed), or null to set any name. */
  rotating: string | null;
  onSaved: (name: string, created: boolean) => void;
  onCancel: () => void;
}

export function SecretForm({ rotating, onSaved, onCancel }: Props) {
  const [name, setName] = useState(rotating ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const valueRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (rotating) valueRef.current?.focus();
  }, [rotating]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const input = valueRef.current;
    if (!input) return;
    setBusy(true);
    setError(null);
    try {
      const { created } = await api.putSecret(name.trim(), input.value);
      input.value = "";
      setName("");
      onSaved(name.trim(), created);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const nameError = issueAt(error, "/name");
  const valueError = issueAt(error, "/value");
  const rest = otherIssues(error, (p) => p === "/name" || p === "/value");
  return (
    <form onSubmit={submit} class="secret-form" autocomplete="off">
      <div class="field">
        <label for="secret-name">Name</label>
        <input
          id="secret-name"
          required
          maxLength={64}
          value={name}
          readOnly={rotating !== null}
          onInput={(e) => setName(e.currentTarget.value)}
          placeholder="OPENAI_API_KEY"
          autocapitalize="characters"
          spellcheck={false}
          {...invalidIf(nameError, "secret-name-error")}
        />
        <FieldError id="secret-name-error" error={nameError} />
        {!nameError && !rotating && (
          <p class="muted small">Upper-case letters, digits and “_”, starting with a letter; KILN_… is reserved.</p>
        )}
      </div>
      <div class="field">
        <label for="secret-value">{rotating ? "New value" : "Value"}</label>
        <input
          id="secret-value"
          ref={valueRef}
          type="password"
          required
          autocomplete="new-password"
          spellcheck={false}
          {...invalidIf(valueError, "secret-value-error")}
        />
        <FieldError id="secret-value-error" error={valueError} />
        {!valueError && <p class="muted small">Write-only: it is encrypted on the server and never shown again.</p>}
      </div>
      {error && !(error instanceof ApiError && error.issues.length > 0) && <ErrorBox error={error} />}
      <Issues issues={rest} class="issues" />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || name.trim() === ""}>
          {busy ? "Saving…" : rotating ? "Save new value" : "Save secret"}
        </button>
        {rotating && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
