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

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div class="state error" role="alert">
      <p>{error.message}</p>
      <Issues issues={issues} />
      {onRetry && (
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
