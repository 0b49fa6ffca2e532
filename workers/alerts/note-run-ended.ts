/**
 * Where a run that ended badly meets the alert rules: every place a run ends (a tool call, a job's
 * Workflow, a job ended from outside it) calls `noteRunEnded`, which enqueues alert work only when
 * a rule matches. The rules are cached per isolate for a few seconds, so a failing tool call pays
 * no D1 read per call, and a successful run pays nothing at all. Imports contracts, domain, infra.
 */
import type { AlertMessage, AlertRunFacts } from "../lib/contracts/alerts";
import type { RunError, RunStatus, RunTrigger } from "../lib/contracts/runs";
import { ALERT_ERROR_CHARS, eventsOf, matchRules, type RuleTarget } from "../lib/domain/alerts";
import { capText } from "../lib/domain/trace-caps";
import { ruleTargets } from "../lib/infra/db/alerts.repo";
import type { Db } from "../lib/infra/db/functions.repo";

const RULES_TTL_MS = 5_000;
let cached: { at: number; rules: Promise<RuleTarget[]> } | null = null;

/** Drops the cached rules (after a change in this isolate; other isolates see it within the TTL). */
export function forgetAlertRules(): void {
  cached = null;
}

function rules(db: Db, now: number): Promise<RuleTarget[]> {
  if (cached === null || now - cached.at >= RULES_TTL_MS) {
    const loading = ruleTargets(db);
    cached = { at: now, rules: loading };
    loading.catch(() => forgetAlertRules());
  }
  return cached.rules;
}

/** A webhook job's input names its endpoint and event; anything else is not a delivery. */
function webhookOf(trigger: RunTrigger, input: unknown): AlertRunFacts["webhook"] {
  if (trigger !== "webhook" || typeof input !== "object" || input === null) return null;
  const { endpoint, event } = input as { endpoint?: unknown; event?: { id?: unknown } };
  return typeof endpoint === "string" && typeof event?.id === "string"
    ? { endpointId: endpoint.slice(0, 64), eventId: event.id.slice(0, 256) }
    : null;
}

/** What an alert needs of a run, from a run record or row; `input` is the parsed input (or its stored text). */
export function runFacts(run: {
  id: string;
  functionName: string;
  versionNumber: number;
  trigger: RunTrigger;
  status: RunStatus;
  error: RunError | null;
  endedAt: number;
  input: unknown;
}): AlertRunFacts {
  let input = run.input;
  if (typeof input === "string" && run.trigger === "webhook") {
    try {
      input = JSON.parse(input);
    } catch {
      input = null;
    }
  }
  // Cut here already: the queue message stays small whatever the run's error says.
  const error = run.error
    ? {
        message: capText(run.error.message, ALERT_ERROR_CHARS),
        name: run.error.name?.slice(0, 256) ?? null,
        step: run.error.step?.slice(0, 256) ?? null,
      }
    : null;
  return {
    id: run.id,
    function: run.functionName,
    version: run.versionNumber,
    trigger: run.trigger,
    status: run.status,
    error,
    endedAt: run.endedAt,
    webhook: webhookOf(run.trigger, input),
  };
}

/**
 * Enqueues the alert work for a run that ended (nothing for a success or when no rule matches).
 * Never throws: the run's own outcome is already stored, and a lost alert is logged, not turned
 * into a failure of the run.
 */
export async function noteRunEnded(env: Env, db: Db, run: AlertRunFacts, now = Date.now()): Promise<void> {
  if (eventsOf(run).length === 0) return;
  try {
    const matched = matchRules(await rules(db, now), run);
    if (matched.length === 0) return;
    const message: AlertMessage = { kind: "event", run, rules: matched };
    await env.ALERT_QUEUE.send(message);
  } catch (error) {
    console.error(JSON.stringify({ msg: "alert work not enqueued", runId: run.id, error: String(error) }));
  }
}
