/**
 * The `kiln-alerts` queue consumer. `event`: a run ended badly and some rules match it; each rule
 * counts it into its window, and sends it (first attempt at once) while the window admits it, or
 * counts it as dropped and, on the first drop of a window, schedules the window's summary. `send`:
 * a retry of a stored delivery. `summary`: the window closed, send "and N more" as one message.
 * `kiln-alerts-dlq`: alert work that failed every retry (a pending delivery ends as failed).
 */
import { ALERTS_PER_WINDOW, type AlertEvent, AlertMessage, type AlertRunFacts, SUMMARY_EVENT } from "../lib/contracts/alerts";
import { admit, alertBody, summaryBody } from "../lib/domain/alerts";
import {
  type AlertDeliveryRow,
  type AlertRule,
  addSuppressed,
  countIntoWindow,
  getAlertDelivery,
  getRule,
  hasDelivery,
  insertDelivery,
  saveAttempt,
  takeSuppressed,
} from "../lib/infra/db/alerts.repo";
import { type Db, database } from "../lib/infra/db/functions.repo";
import { newId } from "../lib/infra/ids";
import { alertSettings, attemptDelivery } from "./send-alert";

const DEAD_LETTER_QUEUE = "kiln-alerts-dlq";

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ msg, ...fields }));
}

function newDelivery(rule: AlertRule, event: string, payload: string, now: number, run: AlertRunFacts | null, suppressed: number | null) {
  return {
    id: newId("alr", now),
    ruleId: rule.id,
    event,
    runId: run?.id ?? null,
    functionName: run?.function ?? rule.functionName,
    suppressed,
    payload,
    status: "pending",
    attempts: 0,
    responseStatus: null,
    responseBody: null,
    lastError: null,
    nextAttemptAt: null,
    createdAt: now,
    updatedAt: now,
  } satisfies AlertDeliveryRow;
}

/** One rule's share of a failed run: counted, then sent or dropped. */
async function onRuleEvent(env: Env, db: Db, ruleId: string, event: AlertEvent, run: AlertRunFacts, now: number): Promise<void> {
  const rule = await getRule(db, ruleId);
  // A run's end may be reported twice (a job timed out by the sweep while its Workflow ends): one alert.
  if (!rule?.enabled || (await hasDelivery(db, rule.id, run.id))) return;
  const { windowMs } = alertSettings(env);
  const window = await countIntoWindow(db, rule.id, 1, now, windowMs);
  if (window === null) return;
  const { allowed, dropped, firstDrop } = admit(window.before, 1, ALERTS_PER_WINDOW);
  if (dropped > 0) {
    await addSuppressed(db, rule.id, dropped);
    const delaySeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    if (firstDrop) await env.ALERT_QUEUE.send({ kind: "summary", ruleId: rule.id } satisfies AlertMessage, { delaySeconds });
  }
  if (allowed === 0) return;
  const delivery = newDelivery(rule, event, alertBody(rule.format, rule, event, run, now), now, run, null);
  if (await insertDelivery(db, delivery)) await attemptDelivery(env, db, rule, delivery, now);
}

async function onSummary(env: Env, db: Db, ruleId: string, now: number): Promise<void> {
  const rule = await getRule(db, ruleId);
  if (!rule) return;
  const suppressed = await takeSuppressed(db, rule.id);
  // A disabled rule sends nothing, its summary included.
  if (suppressed === 0 || !rule.enabled) return;
  const payload = summaryBody(rule.format, rule, suppressed, alertSettings(env).windowMs / 1000, now);
  const delivery = newDelivery(rule, SUMMARY_EVENT, payload, now, null, suppressed);
  if (await insertDelivery(db, delivery)) await attemptDelivery(env, db, rule, delivery, now);
}

async function onSend(env: Env, db: Db, deliveryId: string, attempts: number, now: number): Promise<void> {
  const delivery = await getAlertDelivery(db, deliveryId);
  // Already answered, or a duplicate of a message whose attempt was made. Fewer attempts than the
  // message says means the last attempt's record was lost: attempting again is right.
  if (delivery?.status !== "pending" || delivery.attempts > attempts) return;
  const rule = await getRule(db, delivery.ruleId);
  if (rule) await attemptDelivery(env, db, rule, delivery, now);
}

async function handle(env: Env, db: Db, m: AlertMessage): Promise<void> {
  const now = Date.now();
  if (m.kind === "event") await Promise.all(m.rules.map((r) => onRuleEvent(env, db, r.id, r.event, m.run, now)));
  else if (m.kind === "summary") await onSummary(env, db, m.ruleId, now);
  else await onSend(env, db, m.deliveryId, m.attempts, now);
}

/** Work that failed every retry: a retry of a delivery ends it as failed; anything else is logged. */
async function giveUp(db: Db, m: AlertMessage): Promise<void> {
  log("alert work failed every retry", { kind: m.kind, ...(m.kind === "event" ? { runId: m.run.id } : {}) });
  if (m.kind !== "send") return;
  const delivery = await getAlertDelivery(db, m.deliveryId);
  if (delivery?.status !== "pending") return;
  await saveAttempt(db, delivery.id, {
    status: "failed",
    lastError: "Kiln could not process this attempt",
    nextAttemptAt: null,
    updatedAt: Date.now(),
  });
}

export async function handleAlertBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = AlertMessage.safeParse(message.body);
      if (!parsed.success) {
        log("dropping malformed alert message", { queue: batch.queue, id: message.id, issues: parsed.error.issues });
        message.ack();
        return;
      }
      try {
        if (batch.queue === DEAD_LETTER_QUEUE) await giveUp(db, parsed.data);
        else await handle(env, db, parsed.data);
        message.ack();
      } catch (error) {
        log("alert work failed; will retry", {
          queue: batch.queue,
          kind: parsed.data.kind,
          attempts: message.attempts,
          error: String(error),
        });
        message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
      }
    }),
  );
}
