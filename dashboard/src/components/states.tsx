/** Loading, error, notice and empty states, shared by every page. */
import type { ComponentChildren } from "preact";
import { ApiError } from "../api";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="state loading" role="status">
      {label}
    </p>
  );
}

/** Answers a retry cannot change: the key lacks a scope, the thing is gone, the request was wrong. */
const FINAL = new Set([400, 403, 404, 409, 413]);

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const issues = error instanceof ApiError ? error.issues : [];
  const status = error instanceof ApiError ? error.status : 0;
  return (
    <div class="state error" role="alert">
      <p>{error.message}</p>
      {status === 403 && <p class="muted small">The key you signed in with does not allow this. Sign in with a key that has the scope.</p>}
      <Issues issues={issues} />
      {onRetry && !FINAL.has(status) && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** The fields a request got wrong (an API error's issues), each by its JSON pointer. */
export function Issues({ issues, class: cls }: { issues: ApiError["issues"]; class?: string }) {
  if (issues.length === 0) return null;
  return (
    <ul class={cls}>
      {issues.map((i) => (
        <li key={`${i.path}:${i.message}`}>
          <code>{i.path || "/"}</code> {i.message}
        </li>
      ))}
    </ul>
  );
}

/** What just happened (deployed, cancelled, sent), announced politely; nothing when null. */
export function Notice({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p class="notice" role="status">
      {text}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty">{children}</div>;
}
