/** The runs filter form: function, status, trigger, time range and text. Applied on submit. */
import { useState } from "preact/hooks";
import { membersOf, type RunsFilter, type RunView } from "../api";

const STATUSES = membersOf<RunView["status"]>({
  queued: true,
  running: true,
  waiting: true,
  succeeded: true,
  failed: true,
  cancelled: true,
  timed_out: true,
});
const TRIGGERS = membersOf<RunView["trigger"]>({
  tool: true,
  job: true,
  schedule: true,
  webhook: true,
  replay: true,
  manual: true,
  mcp: true,
  "mcp-task": true,
  invoke: true,
});

/** datetime-local (local time, no zone) ⇄ ISO with offset, as the API wants. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : "");
function toLocal(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function RunsFilters({ value, onApply }: { value: RunsFilter; onApply: (f: RunsFilter) => void }) {
  const [f, setF] = useState({ ...value, since: toLocal(value.since), until: toLocal(value.until) });
  const set = (k: keyof RunsFilter) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  const submit = (e: Event) => {
    e.preventDefault();
    onApply({ ...f, since: toIso(f.since), until: toIso(f.until) });
  };

  return (
    <form class="filters" onSubmit={submit} aria-label="Filter runs">
      <div class="field">
        <label for="f-function">Function</label>
        <input id="f-function" value={f.function ?? ""} onInput={set("function")} placeholder="any, or a prefix: billing-*" />
      </div>
      <div class="field">
        <label for="f-status">Status</label>
        <select id="f-status" value={f.status ?? ""} onChange={set("status")}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-trigger">Trigger</label>
        <select id="f-trigger" value={f.trigger ?? ""} onChange={set("trigger")}>
          <option value="">any</option>
          {TRIGGERS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-since">From</label>
        <input id="f-since" type="datetime-local" value={f.since} onInput={set("since")} />
      </div>
      <div class="field">
        <label for="f-until">To</label>
        <input id="f-until" type="datetime-local" value={f.until} onInput={set("until")} />
      </div>
      <div class="field grow">
        <label for="f-q">Search</label>
        <input id="f-q" type="search" value={f.q ?? ""} onInput={set("q")} placeholder="run id, function, input or error text" />
      </div>
      <div class="field actions">
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
