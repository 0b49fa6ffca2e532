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

/** Where a run came from, when it says: the run it replays, the idempotency key it started with. */
export function OriginFacts({ run }: { run: RunView }) {
  return (
    <>
      {run.parentRunId && (
        <Fact term="Replay of">
          <Link href={`/runs/${run.parentRunId}`}>{run.parentRunId}</Link>
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
