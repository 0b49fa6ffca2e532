/**
 * The OAuth consent page: a hosted MCP client (Claude.ai, ChatGPT…) asks to act for the signed-in
 * user; the user sees who asks and where access goes, picks scopes and functions (never more than
 * their own key holds: the server refuses more), and allows or denies. Either answer sends the
 * browser back to the client. Everything shown that came from the client is text, never markup.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type ConsentView, type OAuthScope } from "../api";
import { ErrorBox, Loading } from "../components/states";

/** The client's redirect, checked once more: only a web address is ever followed. */
function leaveTo(redirectTo: string): void {
  const url = new URL(redirectTo);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("the app's redirect address is not a web address");
  window.location.assign(url.href);
}

export function ConsentPage({ handle }: { handle: string | null }) {
  const [view, setView] = useState<ConsentView | null>(null);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    if (!handle) setError(new Error("This page is opened by an app asking for access; start again from the app."));
    else api.consent(handle).then(setView, setError);
  }, [handle]);

  if (error && !view) return <ErrorBox error={error} />;
  if (!view || !handle) return <Loading />;
  return <ConsentForm view={view} handle={handle} />;
}

function ConsentForm({ view, handle }: { view: ConsentView; handle: string }) {
  const [scopes, setScopes] = useState<Set<OAuthScope>>(new Set(view.defaultScopes));
  const [fns, setFns] = useState<Set<string>>(new Set(view.grantableFunctions ?? []));
  const [onlySome, setOnlySome] = useState(false);
  const [listed, setListed] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const toggle = <T,>(set: Set<T>, value: T, update: (s: Set<T>) => void) => {
    const next = new Set(set);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    update(next);
  };

  const functions = (): string[] | null => {
    if (view.grantableFunctions !== null) return [...fns];
    if (!onlySome) return null;
    return listed.split(/[\s,]+/).filter(Boolean);
  };

  const answer = async (allow: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const { redirectTo } = allow ? await api.approveConsent(handle, [...scopes], functions()) : await api.denyConsent(handle);
      leaveTo(redirectTo);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };

  return (
    <section class="consent">
      <h1>Allow {view.clientName} to use Kiln?</h1>
      <section class="panel" aria-labelledby="consent-who">
        <h2 id="consent-who">Who is asking</h2>
        <p>
          <strong data-testid="consent-client">{view.clientName}</strong> <span class="muted">(client id {view.clientId})</span>. This app
          registered itself: its name is not verified.
        </p>
        <p>
          Access will be sent to <strong data-testid="consent-redirect-host">{view.redirectHost}</strong>{" "}
          <span class="muted">({view.redirectUri})</span>.
        </p>
        {view.redirectIsLoopback && (
          <p class="notice warn" role="note">
            This sends access to an app on your own computer. Continue only if you just started connecting from it.
          </p>
        )}
        {view.requestedScopes.length > 0 && (
          <p class="muted">
            It asked for: <span data-testid="consent-requested">{view.requestedScopes.join(" ")}</span>
          </p>
        )}
      </section>
      <section class="panel" aria-labelledby="consent-what">
        <h2 id="consent-what">What it may do</h2>
        <fieldset>
          <legend>Scopes (at most what your key holds)</legend>
          <div class="checks">
            {view.grantableScopes.map((s) => (
              <label key={s} class="check">
                <input type="checkbox" checked={scopes.has(s)} onChange={() => toggle(scopes, s, setScopes)} /> {s}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Functions</legend>
          {view.grantableFunctions === null ? (
            <>
              <div class="checks">
                <label class="check">
                  <input type="radio" name="fn-mode" checked={!onlySome} onChange={() => setOnlySome(false)} /> All functions
                </label>
                <label class="check">
                  <input type="radio" name="fn-mode" checked={onlySome} onChange={() => setOnlySome(true)} /> Only these:
                </label>
              </div>
              {onlySome && (
                <input
                  aria-label="Functions to allow"
                  value={listed}
                  onInput={(e) => setListed(e.currentTarget.value)}
                  placeholder="echo, search"
                />
              )}
            </>
          ) : (
            <div class="checks">
              {view.grantableFunctions.map((f) => (
                <label key={f} class="check">
                  <input type="checkbox" checked={fns.has(f)} onChange={() => toggle(fns, f, setFns)} /> {f}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        {error && <ErrorBox error={error} />}
        <div class="actions">
          <button type="button" class="primary" disabled={busy || scopes.size === 0} onClick={() => answer(true)}>
            Allow
          </button>
          <button type="button" disabled={busy} onClick={() => answer(false)}>
            Deny
          </button>
        </div>
        <p class="muted">You can revoke this access at any time under Connected apps.</p>
      </section>
    </section>
  );
}
