/** Job helpers: which runs are jobs, event-type rules. Pure. */

/** Runs of every trigger but tool and mcp (synchronous calls) are jobs (durable, with a job page), as GET /v1/jobs lists them. */
export const isJob = (run: { trigger: string }) => run.trigger !== "tool" && run.trigger !== "mcp";

/** The Workflows rule for event types (as the API checks it). */
export const EVENT_TYPE = /^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/;

/** True while a job waits for an event (not for a sleep to end). */
export const waitsForEvent = (status: string, waitingFor: string | null): waitingFor is string =>
  status === "waiting" && waitingFor !== null && !waitingFor.startsWith("sleep ");
