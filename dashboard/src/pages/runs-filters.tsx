/** The runs filter form: function, status, trigger, time range and text. Applied on submit. */
import { membersOf, type RunsFilter, type RunView } from "../api";
import { AnyOf, ApplyClear, TimeRange, useFilterForm } from "../components/filter-fields";

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

export function RunsFilters({ value, onApply }: { value: RunsFilter; onApply: (f: RunsFilter) => void }) {
  const { f, set, submit } = useFilterForm(value, onApply);

  return (
    <form class="filters" onSubmit={submit} aria-label="Filter runs">
      <div class="field">
        <label for="f-function">Function</label>
        <input id="f-function" value={f.function ?? ""} onInput={set("function")} placeholder="any, or a prefix: billing-*" />
      </div>
      <AnyOf id="f-status" label="Status" value={f.status} options={STATUSES} onChange={set("status")} />
      <AnyOf id="f-trigger" label="Trigger" value={f.trigger} options={TRIGGERS} onChange={set("trigger")} />
      <TimeRange prefix="f" since={f.since} until={f.until} set={set} />
      <div class="field grow">
        <label for="f-q">Search</label>
        <input id="f-q" type="search" value={f.q ?? ""} onInput={set("q")} placeholder="run id, function, input or error text" />
      </div>
      <ApplyClear onClear={() => onApply({})} />
    </form>
  );
}
