/**
 * Bulk actions on the runs list and "Replay with edits": which selected runs an action applies to,
 * and running one API call per run a few at a time. Pure (the calls are passed in).
 */
import { isJob } from "./jobs";

interface RunLike {
  id: string;
  function: string;
  trigger: string;
  status: string;
}

const LIVE = new Set(["queued", "running", "waiting"]);

/** A job that has not ended can be cancelled (a tool call ends with its request). */
export const canCancel = (run: RunLike) => isJob(run) && LIVE.has(run.status);

/** An ended run can be replayed (the API also needs its function to be exposed as a job). */
export const canReplay = (run: RunLike) => !LIVE.has(run.status);

/** The function page with Try it pre-filled with this run's input, ready to edit and run or start as a job. */
export const replayWithEditsHref = (run: Pick<RunLike, "id" | "function">) =>
  `/functions/${encodeURIComponent(run.function)}?replay=${encodeURIComponent(run.id)}#try`;

export type Outcome = { ok: true; text: string; href?: string } | { ok: false; text: string };

/**
 * Calls `act` for each item, at most `limit` at a time, and reports each outcome as it comes
 * (a failure is that item's outcome, never the end of the others).
 */
export async function eachBounded<T extends { id: string }>(
  items: T[],
  limit: number,
  act: (item: T) => Promise<Outcome>,
  report: (id: string, outcome: Outcome) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        report(item.id, await act(item));
      } catch (e) {
        report(item.id, { ok: false, text: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
