/** Job helpers: which runs are jobs, the merged job/replay list, event-type rules. Pure. */
import type { Page, RunView } from "../api";

/** The triggers whose runs are jobs (durable, with a job page). */
export const JOB_TRIGGERS = ["job", "replay"] as const;

export const isJob = (run: { trigger: string }) => (JOB_TRIGGERS as readonly string[]).includes(run.trigger);

/** The Workflows rule for event types (as the API checks it). */
export const EVENT_TYPE = /^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/;

/** True while a job waits for an event (not for a sleep to end). */
export const waitsForEvent = (status: string, waitingFor: string | null): waitingFor is string =>
  status === "waiting" && waitingFor !== null && !waitingFor.startsWith("sleep ");

const newestFirst = (a: RunView, b: RunView) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Merges one page per trigger (each newest first by id, cut by the same `id < cursor`) into one
 * page. Where a trigger has more, its older items are not known yet, so the merged page stops at
 * the newest such boundary; the next page starts below it for every trigger.
 */
export function mergePages(pages: Page[]): Page {
  const all = pages.flatMap((p) => p.items).sort(newestFirst);
  const bounds = pages.flatMap((p) => (p.nextCursor ? [p.nextCursor] : []));
  if (bounds.length === 0) return { items: all, nextCursor: null };
  const boundary = bounds.sort().at(-1)!; // ids sort by time: the newest boundary
  return { items: all.filter((r) => r.id >= boundary), nextCursor: boundary };
}
