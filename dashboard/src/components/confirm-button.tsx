/**
 * A button that asks before acting: it becomes a question with Confirm and a way back. A failed
 * action keeps the question open and shows its error below (or hands it to `onError`).
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ErrorBox } from "./states";

interface Props {
  /** The first button's text, `label` its accessible name when the text alone is ambiguous. */
  children: ComponentChildren;
  label?: string;
  danger?: boolean;
  question: ComponentChildren;
  confirm: string;
  /** The confirm button's text while the action runs. */
  busy?: string;
  back?: string;
  action: () => Promise<unknown>;
  /** Shows errors elsewhere (called with null as the action starts) instead of below. */
  onError?: (error: Error | null) => void;
}

export function ConfirmButton({ children, label, danger, question, confirm, busy, back = "Cancel", action, onError }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const report = onError ?? setError;

  const run = async () => {
    setRunning(true);
    report(null);
    try {
      await action();
      setConfirming(false);
    } catch (e) {
      report(e as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <>
      {confirming ? (
        <span class="confirm">
          <span>{question}</span>
          <button type="button" class="danger" onClick={run} disabled={running}>
            {running && busy ? busy : confirm}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {back}
          </button>
        </span>
      ) : (
        <button type="button" class={danger ? "danger" : undefined} onClick={() => setConfirming(true)} aria-label={label}>
          {children}
        </button>
      )}
      {error && <ErrorBox error={error} />}
    </>
  );
}
