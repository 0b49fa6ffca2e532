/** Facts about a thing, as a `dl.facts` list of terms and values. */
import type { ComponentChildren } from "preact";
import type { RunView } from "../api";
import { Link } from "../router";

export function Fact({ term, testId, children }: { term: string; testId?: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/**
 * Where a run came from, when it says: the run it replays or the run that invoked it (and that
 * tree's root), the idempotency key it started with.
 */
export function OriginFacts({ run }: { run: RunView }) {
  const root = run.rootRunId && run.rootRunId !== run.id ? run.rootRunId : null;
  return (
    <>
      {run.parentRunId && (
        <Fact term={run.trigger === "replay" ? "Replay of" : "Invoked by"}>
          <Link href={`/runs/${run.parentRunId}`}>{run.parentRunId}</Link>
        </Fact>
      )}
      {root && root !== run.parentRunId && (
        <Fact term="Root run">
          <Link href={`/runs/${root}`}>{root}</Link>
        </Fact>
      )}
      {run.idempotencyKey && (
        <Fact term="Idempotency key">
          <code>{run.idempotencyKey}</code>
        </Fact>
      )}
    </>
  );
}
