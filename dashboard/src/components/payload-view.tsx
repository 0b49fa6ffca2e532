/**
 * A stored payload in the JSON viewer: the value itself, or for a marker (a payload over 64 KiB,
 * kept whole in R2) its preview and a "Load the whole payload" control that fetches it on demand.
 */
import { useState } from "preact/hooks";
import { payloadMarker, pretty, prettyText } from "../lib/format";
import { ErrorBox } from "./states";

const kb = (characters: number) => `${Math.max(1, Math.round(characters / 1024)).toLocaleString("en-US")} KB`;

/** `text`: `value` is stored JSON text (a step's result), not a value. */
export function PayloadView({
  value,
  text,
  load,
  testId,
}: {
  value: unknown;
  text?: boolean;
  load: () => Promise<string>;
  testId?: string;
}) {
  const marker = payloadMarker(value);
  const [whole, setWhole] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  if (marker === null) return <pre data-testid={testId}>{text && typeof value === "string" ? prettyText(value) : pretty(value)}</pre>;
  if (whole !== null) return <pre data-testid={testId}>{prettyText(whole)}</pre>;
  const fetchWhole = () => {
    setBusy(true);
    setError(null);
    load()
      .then(setWhole, setError)
      .finally(() => setBusy(false));
  };
  return (
    <div class="payload-marker" data-testid={testId}>
      <p class="muted small">Only the first characters are shown: the whole payload is {kb(marker.characters)}.</p>
      <pre>{marker.preview}…</pre>
      <button type="button" onClick={fetchWhole} disabled={busy}>
        {busy ? "Loading…" : `Load the whole payload (${kb(marker.characters)})`}
      </button>
      {error && <ErrorBox error={error} />}
    </div>
  );
}
