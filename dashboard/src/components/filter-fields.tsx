/**
 * What the runs and logs filter forms share: the form state (time inputs shown in local time, sent
 * as ISO), a select whose empty choice is "any", the From/To pair and the Apply/Clear buttons.
 */
import { useState } from "preact/hooks";

/** datetime-local (local time, no zone) ⇄ ISO, as the API wants. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : "");
function toLocal(iso: string | undefined): string {
  const d = new Date(iso ?? "");
  return Number.isNaN(d.getTime()) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

type Filter = { since?: string; until?: string };

/** The form's state, a setter per field for onInput/onChange, and the submit that applies it. */
export function useFilterForm<F extends Filter>(value: F, onApply: (f: F) => void) {
  const [f, setF] = useState<F>({ ...value, since: toLocal(value.since), until: toLocal(value.until) });
  const set = (k: keyof F) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    onApply({ ...f, since: toIso(f.since ?? ""), until: toIso(f.until ?? "") });
  };
  return { f, set, submit };
}

export function AnyOf(p: {
  id: string;
  label: string;
  value: string | undefined;
  options: readonly string[];
  onChange: (e: Event) => void;
}) {
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      <select id={p.id} value={p.value ?? ""} onChange={p.onChange}>
        <option value="">any</option>
        {p.options.map((o) => (
          <option key={o} value={o}>
            {o.replace("_", " ")}
          </option>
        ))}
      </select>
    </div>
  );
}

export function TimeRange(p: {
  prefix: string;
  since: string | undefined;
  until: string | undefined;
  set: (k: "since" | "until") => (e: Event) => void;
}) {
  return (
    <>
      <div class="field">
        <label for={`${p.prefix}-since`}>From</label>
        <input id={`${p.prefix}-since`} type="datetime-local" value={p.since} onInput={p.set("since")} />
      </div>
      <div class="field">
        <label for={`${p.prefix}-until`}>To</label>
        <input id={`${p.prefix}-until`} type="datetime-local" value={p.until} onInput={p.set("until")} />
      </div>
    </>
  );
}

export function ApplyClear({ onClear }: { onClear: () => void }) {
  return (
    <div class="field actions">
      <button type="submit" class="primary">
        Apply
      </button>
      <button type="button" onClick={onClear}>
        Clear
      </button>
    </div>
  );
}
