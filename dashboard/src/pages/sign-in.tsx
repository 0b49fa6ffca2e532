/** Sign in with an API key or the admin key; the API answers with an HttpOnly session cookie. */
import { useState } from "preact/hooks";
import { ApiError, api, type Session } from "../api";
import { FieldError, invalidIf } from "../components/form-error";

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(key.trim());
      setKey("");
      onSignedIn(await api.session());
    } catch (err) {
      const unauthorized = err instanceof ApiError && err.status === 401;
      setError(unauthorized ? "That key is not valid. Check it and try again." : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form onSubmit={submit} class="card">
        <h1>Sign in to Kiln</h1>
        <p class="muted">Use an API key or the admin key. It is sent once to get a session cookie and never stored in the browser.</p>
        <label for="key">API key</label>
        <input
          id="key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          {...invalidIf(error, "sign-in-error")}
        />
        <FieldError id="sign-in-error" error={error} />
        <button type="submit" class="primary" disabled={busy || key.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
