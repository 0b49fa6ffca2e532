/**
 * The runs list's bulk actions on the selected runs: replay those that ended, cancel the jobs
 * that have not, each after a confirmation, one API call per run (4 at a time), with each run's
 * result listed; "Replay with edits" when one run is selected.
 */
import { useState } from "preact/hooks";
import { api, type RunView } from "../api";
import { canCancel, canReplay, eachBounded, type Outcome, replayWithEditsHref } from "../lib/bulk";
import { Link } from "../router";
import { ConfirmButton } from "./confirm-button";

const CONCURRENCY = 4;
const plural = (n: number) => `${n} run${n === 1 ? "" : "s"}`;

interface Props {
  runs: RunView[];
  onClear: () => void;
}

/** The list refreshes itself every few seconds, so new statuses show without reloading it (which would drop these results). */
export function BulkBar({ runs, onClear }: Props) {
  const [results, setResults] = useState<[string, Outcome][]>([]);
  const replayable = runs.filter(canReplay);
  const cancellable = runs.filter(canCancel);

  const run = async (targets: RunView[], act: (r: RunView) => Promise<Outcome>) => {
    setResults([]);
    await eachBounded(targets, CONCURRENCY, act, (id, outcome) => setResults((cur) => [...cur, [id, outcome]]));
  };
  const replay = (r: RunView) =>
    api.replay(r.id, false).then((s): Outcome => ({ ok: true, text: `replayed as ${s.id}`, href: `/jobs/${s.id}` }));
  const cancel = (r: RunView) => api.cancelJob(r.id).then((v): Outcome => ({ ok: true, text: v.status }));

  return (
    <section class="bulk-bar" aria-label="Bulk actions">
      <div class="actions">
        <strong>{plural(runs.length)} selected</strong>
        {replayable.length > 0 && (
          <ConfirmButton
            question={`Replay ${plural(replayable.length)} as new jobs?`}
            confirm="Replay"
            busy="Replaying…"
            action={() => run(replayable, replay)}
          >
            Replay {replayable.length}
          </ConfirmButton>
        )}
        {cancellable.length > 0 && (
          <ConfirmButton
            danger
            question={`Cancel ${plural(cancellable.length)}?`}
            confirm="Cancel them"
            busy="Cancelling…"
            back="Keep them"
            action={() => run(cancellable, cancel)}
          >
            Cancel {cancellable.length}
          </ConfirmButton>
        )}
        {runs.length === 1 && runs[0] && (
          <Link href={replayWithEditsHref(runs[0])} class="button">
            Replay with edits
          </Link>
        )}
        <button type="button" class="link" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {runs.length > replayable.length && (
        <p class="muted small">Runs still in progress are not replayed (cancel them first, or wait until they end).</p>
      )}
      {results.length > 0 && (
        <ul class="bulk-results" aria-label="Results" aria-live="polite">
          {results.map(([id, o]) => (
            <li key={id} class={o.ok ? "ok" : "failed"}>
              <code>{id}</code>: {o.ok && o.href ? <Link href={o.href}>{o.text}</Link> : o.text}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
